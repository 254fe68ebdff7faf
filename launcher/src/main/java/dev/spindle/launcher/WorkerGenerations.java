package dev.spindle.launcher;

import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.checkpoint.ShardLayout;
import dev.spindle.data.LoaderOptions;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.parallel.ModelParallel;
import dev.spindle.parallel.mesh.MeshCoordinate;
import dev.spindle.parallel.mesh.MeshGroups;
import dev.spindle.parallel.mesh.MeshShape;
import dev.spindle.parallel.pipeline.Schedule;
import dev.spindle.spec.ParallelismSpec;
import dev.spindle.spec.PipelineSchedule;
import dev.spindle.train.Batch;
import dev.spindle.cluster.control.Assignment;
import dev.spindle.cluster.worker.Generation;
import dev.spindle.cluster.worker.WorkerJob;
import dev.spindle.cluster.worker.WorkerTraining;
import dev.spindle.cluster.worker.WorkerTrainingProvider;
import dev.spindle.data.DataLoaders;
import dev.spindle.data.IngestionLog;
import dev.spindle.data.storage.Storage;
import dev.spindle.model.Model;
import dev.spindle.parallel.DataShard;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import dev.spindle.spec.SpecWriter;
import dev.spindle.train.BatchSource;
import dev.spindle.train.TrainListener;
import dev.spindle.train.TrainResult;
import dev.spindle.train.Trainer;
import dev.spindle.train.TrainerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A worker's share of a job, generation by generation: the model built from the spec as every process
 * builds it ({@link ModelSetup}), the checkpoint of the assignment restored, this rank's slice of every
 * global batch ({@link DataShard}), and the step loop over the generation's data plane. Everything a
 * generation builds lives in its own native-memory manager, freed when the generation ends.
 */
final class WorkerGenerations implements WorkerTraining {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerGenerations.class);

    private final JobSpec job;
    private final JobPlan plan;
    private final Path runDir;
    private final CheckpointStore store;
    private final String digest;

    private WorkerGenerations(JobSpec job, JobPlan plan, Path runDir, CheckpointStore store) {
        this.job = job;
        this.plan = plan;
        this.runDir = runDir;
        this.store = store;
        this.digest = SpecWriter.digest(job);
    }

    /** Registered in {@code META-INF/services}: how a worker process turns its job file into training. */
    public static final class Provider implements WorkerTrainingProvider {
        @Override
        public WorkerTraining open(WorkerJob worker) throws IOException {
            JobSpec job = SpecReader.read(worker.jobFile(), List.of());
            JobPlan plan = JobPlan.of(job, worker.baseDirectory());
            if (worker.threads() > 0) {
                System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(worker.threads()));
                System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            } else {
                plan.configureThreads();
            }
            // Load libtorch now, before the worker registers: a generation (a recovery above all) then starts
            // training without the native libraries' load time.
            ai.djl.engine.Engine.getInstance();
            String checkpoints = plan.checkpointLocation(worker.runDirectory());
            return new WorkerGenerations(job, plan, worker.runDirectory(),
                    Storage.checkpoints(checkpoints, job.spec().checkpoint().keep()));
        }
    }

    @Override
    public long train(Generation generation) throws Exception {
        if (job.spec().parallelism().modelParallelSize() > 1) {
            return trainMeshRank(generation);
        }
        Assignment assignment = generation.assignment();
        try (NDManager manager = NDManager.newBaseManager(); Model model = ModelSetup.create(job, manager)) {
            Optional<CheckpointInfo> restore = checkpointOf(assignment);
            LoraRun lora = ModelSetup.initialise(job, plan, model, restore.isEmpty(), manager, List.of()).lora();
            var optimizer = plan.optimizer(manager);
            boolean lead = assignment.rank() == 0;
            try (NDManager restoreManager = manager.newSubManager()) {
                LoadedCheckpoint loaded = restore.isPresent()
                        ? store.loadShard(restore.get(), ShardLayout.whole(assignment.rank()), restoreManager) : null;
                String cursor = loaded == null ? null : loaded.state().dataCursor();
                try (BatchSource shard = shardOf(plan.trainLoader(model), assignment, cursor, loaded, assignment.rank(),
                        assignment.worldSize())) {
                    List<TrainListener> listeners = new ArrayList<>();
                    listeners.add(generation.progress());
                    TrainerSettings settings = TrainerSettings.of(job, digest);
                    if (lora != null) {
                        listeners.add(lora);
                        settings = settings.withBaseParametersDigest(lora.baseDigest());
                    }
                    // Replicas are identical, so one rank's held-out loss speaks for all.
                    Trainer trainer = new Trainer(settings, model, optimizer, plan.schedule(), shard,
                            lead && plan.hasEval() ? () -> DataLoaders.open(plan.evalLoader(model), null) : null,
                            generation.checkpoints(), generation.collectives(), listeners);
                    long start = 0;
                    if (loaded != null) {
                        start = trainer.restore(loaded);
                        restoreManager.close();
                    }
                    TrainResult result = trainer.run(start, lastStep(assignment), generation.stopRequested());
                    return result.finalStep();
                }
            }
        }
    }

    /**
     * A rank of a tensor × pipeline (× data) mesh: the whole model is initialised as every process does,
     * this rank's shard cut from it and the rest freed; the data-parallel replica it belongs to reads its
     * slice of every global batch (every stage and tensor rank of a replica reads the same one).
     */
    private long trainMeshRank(Generation generation) throws Exception {
        Assignment assignment = generation.assignment();
        ParallelismSpec parallelism = job.spec().parallelism();
        MeshShape shape = MeshShape.of(assignment.worldSize(), parallelism.tensor(), parallelism.pipeline());
        MeshCoordinate at = shape.coordinate(assignment.rank());
        try (NDManager manager = NDManager.newBaseManager()) {
            Optional<CheckpointInfo> restore = checkpointOf(assignment);
            GptShard shard;
            GptStages stages;
            LoaderOptions train;
            LoaderOptions eval;
            try (Model whole = ModelSetup.create(job, manager)) {
                ModelSetup.initialise(job, plan, whole, restore.isEmpty(), manager, List.of());
                Gpt gpt = (Gpt) whole; // CoordinatedRun.prepare refused other architectures (JobPlan.checkMesh)
                GptConfig config = gpt.config();
                train = plan.trainLoader(whole);
                eval = plan.hasEval() ? plan.evalLoader(whole) : null;
                stages = plan.stages(config);
                shard = GptShard.of(gpt, shape.tensor(), at.tensor(), stages, at.pipeline(), manager);
            }
            LOG.info("rank {} is (data {}, tensor {}, pipeline {}) of a {}×{}×{} mesh: {} parameters ({} values), stages {}",
                    assignment.rank(), at.data(), at.tensor(), at.pipeline(), shape.data(), shape.tensor(),
                    shape.pipeline(), shard.parameters().size(), shard.parameters().count(), stages);
            var optimizer = plan.optimizer(manager);
            TrainerSettings settings = TrainerSettings.of(job, digest);
            try (shard;
                    ModelParallel mesh = new ModelParallel(MeshGroups.of(generation.collectives(), shape), shard,
                            schedule(parallelism.schedule()), settings.gradientAccumulation());
                    NDManager restoreManager = manager.newSubManager()) {
                LoadedCheckpoint loaded = restore.isPresent()
                        ? store.loadShard(restore.get(), mesh.layout(), restoreManager) : null;
                String cursor = loaded == null ? null : loaded.state().dataCursor();
                try (BatchSource data = shardOf(train, assignment, cursor, loaded, at.data(), shape.data())) {
                    // Every stage and tensor rank takes part in an evaluation, so all of them get the held-out set.
                    Trainer trainer = new Trainer(settings, mesh, optimizer, plan.schedule(), data,
                            eval != null ? () -> DataLoaders.open(eval, null) : null,
                            generation.checkpoints(), List.of(generation.progress()));
                    long start = 0;
                    if (loaded != null) {
                        start = trainer.restore(loaded);
                        restoreManager.close();
                    }
                    return trainer.run(start, lastStep(assignment), generation.stopRequested()).finalStep();
                }
            }
        }
    }

    /**
     * Data-parallel replica {@code replica} of {@code replicas}'s slice of the global stream, from the
     * checkpoint's cursor; rank 0 keeps the run's ingestion log (every rank reads the same global stream).
     */
    private BatchSource shardOf(LoaderOptions options, Assignment assignment, String cursor, LoadedCheckpoint loaded,
                                int replica, int replicas) throws IOException {
        IngestionLog ingestion = assignment.rank() == 0 ? IngestionLog.open(runDir.resolve(IngestionLog.FILE_NAME)) : null;
        BatchSource global;
        try {
            global = DataLoaders.open(options, cursor, ingestion);
        } catch (RuntimeException e) {
            if (ingestion != null) {
                ingestion.close();
            }
            throw e;
        }
        BatchSource slice = SampleTrace.wrap(DataShard.of(global, replica, replicas), assignment.generation(),
                assignment.rank(), loaded == null ? 0 : loaded.state().step(),
                job.spec().training().gradientAccumulation());
        return ingestion == null ? slice : new BatchSource() {
            @Override
            public Batch next(NDManager manager) {
                return slice.next(manager);
            }

            @Override
            public String cursor() {
                return slice.cursor();
            }

            @Override
            public void close() {
                try (ingestion) {
                    slice.close();
                }
            }
        };
    }

    /** Where this generation ends: the spec's last step, or the earlier one the coordinator's job ends at. */
    private long lastStep(Assignment assignment) {
        return Math.min(job.spec().training().steps(), assignment.lastStep());
    }

    private static Schedule schedule(PipelineSchedule schedule) {
        return schedule == PipelineSchedule.GPIPE ? Schedule.GPIPE : Schedule.ONE_F_ONE_B;
    }

    private Optional<CheckpointInfo> checkpointOf(Assignment assignment) throws IOException {
        if (assignment.restoreStep() < 0) {
            return Optional.empty();
        }
        for (CheckpointInfo info : store.list()) {
            if (info.step() == assignment.restoreStep()) {
                return Optional.of(info);
            }
        }
        throw new IOException("the coordinator assigned checkpoint step " + assignment.restoreStep()
                + " but " + store.describe(Path.of("")) + " does not hold it; is the worker's checkpoint location"
                + " (spec.checkpoint.uri) the coordinator's?");
    }

    @Override
    public CheckpointStore checkpoints() {
        return store;
    }

    @Override
    public Duration collectiveTimeout() {
        return Duration.ofSeconds(job.spec().parallelism().collectiveTimeoutSeconds());
    }

    @Override
    public Duration rendezvousTimeout() {
        return Duration.ofSeconds(job.spec().elastic().rendezvousTimeoutSeconds());
    }

    @Override
    public long totalSteps() {
        return job.spec().training().steps();
    }
}
