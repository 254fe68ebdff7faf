package dev.spindle.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds a parsed YAML tree to the spec records, one method per record: it reads each field with its
 * YAML type and default, and leaves value rules to the records' constructors.
 */
final class SpecBinder {

    private SpecBinder() {
    }

    /** The job, or {@code null} when {@code problems} received at least one problem. */
    static JobSpec bind(JsonNode root, List<Problem> problems) {
        if (!root.isObject()) {
            problems.add(new Problem(SpecReader.DOCUMENT, Problem.render(root),
                    "a mapping with fields " + Section.fieldNames(JobSpec.class)));
            return null;
        }
        return job(new Section(root, "", JobSpec.class, problems));
    }

    private static JobSpec job(Section s) {
        String apiVersion = s.text("apiVersion");
        String kind = s.text("kind");
        Metadata metadata = s.child("metadata", Metadata.class, SpecBinder::metadata);
        Spec spec = s.child("spec", Spec.class, SpecBinder::spec);
        return s.build(() -> new JobSpec(apiVersion, kind, metadata, spec));
    }

    private static Metadata metadata(Section s) {
        String name = s.text("name");
        var labels = s.textMap("labels");
        return s.build(() -> new Metadata(name, labels));
    }

    private static Spec spec(Section s) {
        ModelSpec model = s.child("model", ModelSpec.class, SpecBinder::model);
        DataSpec data = s.child("data", DataSpec.class, SpecBinder::data);
        OptimizerSpec optimizer = s.child("optimizer", OptimizerSpec.class, SpecBinder::optimizer);
        TrainingSpec training = s.child("training", TrainingSpec.class, SpecBinder::training);
        CheckpointSpec checkpoint = s.child("checkpoint", CheckpointSpec.class, SpecBinder::checkpoint);
        PeftSpec peft = s.child("peft", PeftSpec.class, SpecBinder::peft);
        OutputSpec output = s.child("output", OutputSpec.class, SpecBinder::output);
        ParallelismSpec parallelism = s.child("parallelism", ParallelismSpec.class, SpecBinder::parallelism);
        // Elastic bounds count workers: a fixed-size job keeps data × tensor × pipeline of them.
        int workers = parallelism == null ? ParallelismSpec.DEFAULT_DATA : parallelism.worldSize();
        ElasticSpec bound = s.child("elastic", ElasticSpec.class, e -> elastic(e, workers));
        // With a parallelism section that failed to bind, checking elastic bounds against the default
        // degree would report problems the person did not make; its own problems are reported already.
        ElasticSpec elastic = parallelism == null && s.raw("parallelism") != null ? null : bound;
        KubernetesSpec kubernetes = s.child("kubernetes", KubernetesSpec.class, SpecBinder::kubernetes);
        return s.build(() -> new Spec(model, data, optimizer, training, checkpoint, peft, output, parallelism,
                elastic, kubernetes));
    }

    private static ModelSpec model(Section s) {
        String architecture = s.text("architecture");
        JsonNode config = s.raw("config");
        InitSpec init = s.child("init", InitSpec.class, SpecBinder::init);
        return s.build(() -> new ModelSpec(architecture, config, init));
    }

    private static InitSpec init(Section s) {
        String from = s.text("from");
        return s.build(() -> new InitSpec(from));
    }

    private static DataSpec data(Section s) {
        String uri = s.text("uri");
        String evalUri = s.text("evalUri");
        String format = s.text("format");
        String schema = s.text("schema");
        TokensSpec tokens = s.child("tokens", TokensSpec.class, SpecBinder::tokens);
        TabularSpec tabular = s.child("tabular", TabularSpec.class, SpecBinder::tabular);
        int shuffleBuffer = s.integer("shuffleBuffer", DataSpec.DEFAULT_SHUFFLE_BUFFER);
        int prefetch = s.integer("prefetch", DataSpec.DEFAULT_PREFETCH);
        PrepareSpec prepare = s.child("prepare", PrepareSpec.class, SpecBinder::prepare);
        return s.build(() -> new DataSpec(uri, evalUri, format, schema, tokens, tabular, shuffleBuffer, prefetch,
                prepare));
    }

    private static TokensSpec tokens(Section s) {
        String column = s.text("column");
        int sequenceLength = s.integer("sequenceLength", TokensSpec.DEFAULT_SEQUENCE_LENGTH);
        return s.build(() -> new TokensSpec(column, sequenceLength));
    }

    private static TabularSpec tabular(Section s) {
        List<String> features = s.texts("features");
        String label = s.text("label");
        return s.build(() -> new TabularSpec(features, label));
    }

    private static PrepareSpec prepare(Section s) {
        List<String> from = s.texts("from");
        double evalFraction = s.number("evalFraction", PrepareSpec.DEFAULT_EVAL_FRACTION);
        return s.build(() -> new PrepareSpec(from, evalFraction));
    }

    private static OptimizerSpec optimizer(Section s) {
        String name = s.text("name");
        double lr = s.number("lr", OptimizerSpec.DEFAULT_LR);
        Double weightDecay = s.optionalNumber("weightDecay");
        double beta1 = s.number("beta1", OptimizerSpec.DEFAULT_BETA1);
        double beta2 = s.number("beta2", OptimizerSpec.DEFAULT_BETA2);
        double eps = s.number("eps", OptimizerSpec.DEFAULT_EPS);
        double momentum = s.number("momentum", OptimizerSpec.DEFAULT_MOMENTUM);
        boolean nesterov = s.flag("nesterov", OptimizerSpec.DEFAULT_NESTEROV);
        ScheduleSpec schedule = s.child("schedule", ScheduleSpec.class, SpecBinder::schedule);
        double decay = weightDecay != null ? weightDecay : OptimizerSpec.defaultWeightDecay(name);
        return s.build(() -> new OptimizerSpec(name, lr, decay, beta1, beta2, eps, momentum, nesterov, schedule));
    }

    private static ScheduleSpec schedule(Section s) {
        String name = s.text("name");
        int warmupSteps = s.integer("warmupSteps", ScheduleSpec.DEFAULT_WARMUP_STEPS);
        double minLrRatio = s.number("minLrRatio", ScheduleSpec.DEFAULT_MIN_LR_RATIO);
        return s.build(() -> new ScheduleSpec(name, warmupSteps, minLrRatio));
    }

    private static TrainingSpec training(Section s) {
        long steps = s.requiredWhole("steps");
        long seed = s.whole("seed", TrainingSpec.DEFAULT_SEED);
        int batchSize = s.requiredInteger("batchSize");
        int accumulation = s.integer("gradientAccumulation", TrainingSpec.DEFAULT_GRADIENT_ACCUMULATION);
        double clipping = s.number("gradientClipping", TrainingSpec.DEFAULT_GRADIENT_CLIPPING);
        int evalInterval = s.integer("evalInterval", TrainingSpec.DEFAULT_EVAL_INTERVAL);
        int evalBatches = s.integer("evalBatches", TrainingSpec.DEFAULT_EVAL_BATCHES);
        int logInterval = s.integer("logInterval", TrainingSpec.DEFAULT_LOG_INTERVAL);
        int threads = s.integer("threads", TrainingSpec.DEFAULT_THREADS);
        return s.build(() -> new TrainingSpec(steps, seed, batchSize, accumulation, clipping, evalInterval,
                evalBatches, logInterval, threads));
    }

    private static CheckpointSpec checkpoint(Section s) {
        String uri = s.text("uri");
        int everySteps = s.integer("everySteps", CheckpointSpec.DEFAULT_EVERY_STEPS);
        int keep = s.integer("keep", CheckpointSpec.DEFAULT_KEEP);
        return s.build(() -> new CheckpointSpec(uri, everySteps, keep));
    }

    private static ParallelismSpec parallelism(Section s) {
        int data = s.integer("data", ParallelismSpec.DEFAULT_DATA);
        int tensor = s.integer("tensor", ParallelismSpec.DEFAULT_TENSOR);
        int pipeline = s.integer("pipeline", ParallelismSpec.DEFAULT_PIPELINE);
        boolean microBatchesGiven = s.raw("microBatches") != null;
        int microBatches = s.integer("microBatches", ParallelismSpec.UNSET_MICRO_BATCHES);
        String schedule = s.text("schedule");
        int timeout = s.integer("collectiveTimeoutSeconds", ParallelismSpec.DEFAULT_COLLECTIVE_TIMEOUT_SECONDS);
        JsonNode stagesNode = s.raw("stages");
        return s.build(() -> {
            Checks c = new Checks(ParallelismSpec.PATH);
            List<Integer> stages = new ArrayList<>();
            if (stagesNode != null && !stagesNode.isNull()) {
                if (!stagesNode.isArray()) {
                    c.fail("stages", stagesNode, "a list of block counts, one per pipeline stage, e.g. [1, 3]");
                } else {
                    for (JsonNode n : stagesNode) {
                        if (!n.canConvertToExactIntegral() || !n.canConvertToInt()) {
                            c.fail("stages", stagesNode, "whole numbers, one block count per pipeline stage");
                            break;
                        }
                        stages.add(n.asInt());
                    }
                }
            }
            if (microBatchesGiven) {
                c.atLeast("microBatches", microBatches, 1); // 0 means unset in the record, not in YAML
            }
            if (schedule != null) {
                c.oneOf("schedule", schedule, PipelineSchedule.names());
            }
            c.throwIfAny();
            return new ParallelismSpec(data, tensor, pipeline, microBatches,
                    schedule == null ? PipelineSchedule.DEFAULT : PipelineSchedule.named(schedule).orElseThrow(), timeout,
                    stages);
        });
    }

    /** Without bounds, the job keeps exactly {@code workers} workers. */
    private static ElasticSpec elastic(Section s, int workers) {
        int minWorkers = s.integer("minWorkers", workers);
        int maxWorkers = s.integer("maxWorkers", workers);
        int maxRestarts = s.integer("maxRestarts", ElasticSpec.DEFAULT_MAX_RESTARTS);
        int timeout = s.integer("rendezvousTimeoutSeconds", ElasticSpec.DEFAULT_RENDEZVOUS_TIMEOUT_SECONDS);
        return s.build(() -> new ElasticSpec(minWorkers, maxWorkers, maxRestarts, timeout));
    }

    private static KubernetesSpec kubernetes(Section s) {
        String image = s.text("image");
        String namespace = s.text("namespace");
        String overlay = s.text("overlay");
        KubernetesSpec.Workers workers = s.child("workers", KubernetesSpec.Workers.class, SpecBinder::workers);
        KubernetesSpec.Coordinator coordinator =
                s.child("coordinator", KubernetesSpec.Coordinator.class, SpecBinder::coordinator);
        String priorityClassName = s.text("priorityClassName");
        var nodeSelector = s.textMap("nodeSelector");
        List<KubernetesSpec.Toleration> tolerations =
                s.children("tolerations", KubernetesSpec.Toleration.class, SpecBinder::toleration);
        KubernetesSpec.WorkloadIdentity identity =
                s.child("workloadIdentity", KubernetesSpec.WorkloadIdentity.class, SpecBinder::workloadIdentity);
        return s.build(() -> new KubernetesSpec(image, namespace, overlay, workers, coordinator, priorityClassName,
                nodeSelector, tolerations, identity));
    }

    private static KubernetesSpec.Workers workers(Section s) {
        int gpus = s.integer("gpus", KubernetesSpec.Workers.DEFAULT_GPUS);
        String cpu = s.quantity("cpu", KubernetesSpec.Workers.DEFAULT_CPU);
        String memory = s.quantity("memory", KubernetesSpec.Workers.DEFAULT_MEMORY);
        return s.build(() -> new KubernetesSpec.Workers(gpus, cpu, memory));
    }

    private static KubernetesSpec.Coordinator coordinator(Section s) {
        String cpu = s.quantity("cpu", KubernetesSpec.Coordinator.DEFAULT_CPU);
        String memory = s.quantity("memory", KubernetesSpec.Coordinator.DEFAULT_MEMORY);
        return s.build(() -> new KubernetesSpec.Coordinator(cpu, memory));
    }

    private static KubernetesSpec.Toleration toleration(Section s) {
        String key = s.text("key");
        String operator = s.text("operator");
        String value = s.text("value");
        String effect = s.text("effect");
        return s.build(() -> new KubernetesSpec.Toleration(key, operator, value, effect));
    }

    private static KubernetesSpec.WorkloadIdentity workloadIdentity(Section s) {
        String clientId = s.text("clientId");
        return s.build(() -> new KubernetesSpec.WorkloadIdentity(clientId));
    }

    private static PeftSpec peft(Section s) {
        String method = s.text("method");
        int r = s.integer("r", PeftSpec.DEFAULT_R);
        double alpha = s.number("alpha", PeftSpec.DEFAULT_ALPHA);
        double dropout = s.number("dropout", PeftSpec.DEFAULT_DROPOUT);
        JsonNode targets = s.raw("targetModules");
        String bias = s.text("bias");
        List<String> modulesToSave = s.texts("modulesToSave");
        String parent = s.text("parent");
        String base = s.text("base");
        return s.build(() -> new PeftSpec(method, r, alpha, dropout, targets, bias, modulesToSave, parent, base));
    }

    private static OutputSpec output(Section s) {
        AdapterOutputSpec adapter = s.child("adapter", AdapterOutputSpec.class, SpecBinder::adapterOutput);
        return s.build(() -> new OutputSpec(adapter));
    }

    private static AdapterOutputSpec adapterOutput(Section s) {
        String image = s.text("image");
        return s.build(() -> new AdapterOutputSpec(image));
    }
}
