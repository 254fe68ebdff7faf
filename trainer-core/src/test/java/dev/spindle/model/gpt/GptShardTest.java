package dev.spindle.model.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.checkpoint.TensorSlicing;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.model.ModelConfigException;
import dev.spindle.parallel.tensor.Tape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A shard's forward and explicit backward against the whole model's autograd: tensor-parallel ranks
 * (threads over in-process collectives) and pipeline stages must give the whole model's loss, and
 * gradients equal to the slices of the whole model's.
 */
class GptShardTest {

    /** 4 heads and a vocabulary of 16 split 2 ways; 3 blocks for uneven stages. */
    private static final GptConfig CONFIG = new GptConfig(16, 8, 3, 4, 16, true, 0.0, 1e-5);
    private static final double TOLERANCE = 2e-5;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void tensorParallelRanksReproduceTheWholeModelsLossAndGradients() throws Exception {
        for (boolean tied : new boolean[] {true, false}) {
            GptConfig config = CONFIG.withTiedHead(tied);
            Reference reference = reference(config);
            List<Collectives> group = InProcessCollectives.group(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                List<Future<Map<String, float[]>>> results = new ArrayList<>();
                float[] losses = new float[2];
                for (int t = 0; t < 2; t++) {
                    int rank = t;
                    results.add(threads.submit(() -> {
                        try (NDManager local = manager.newSubManager();
                                GptShard shard = GptShard.of(reference.model, 2, rank, GptStages.balanced(config, 1), 0,
                                        local)) {
                            JniUtils.setGradMode(true);
                            Tape tape = new Tape(group.get(rank), true);
                            NDArray loss = shard.forward(tape, local.create(reference.tokens, new Shape(SHAPE)),
                                    local.create(reference.labels, new Shape(SHAPE)), true);
                            JniUtils.setGradMode(false);
                            losses[rank] = loss.getFloat();
                            tape.backward(loss, null);
                            return gradients(shard);
                        }
                    }));
                }
                for (int t = 0; t < 2; t++) {
                    Map<String, float[]> shardGradients = results.get(t).get();
                    assertEquals(reference.loss, losses[t], TOLERANCE, "loss on tensor rank " + t + ", tied=" + tied);
                    try (GptShard layout = GptShard.of(reference.model, 2, t, GptStages.balanced(config, 1), 0, manager)) {
                        for (Map.Entry<String, TensorSplit> split : layout.splits().entrySet()) {
                            String name = split.getKey();
                            float[] expected = TensorSlicing.slice(name, reference.gradients.get(name), split.getValue(), 2, t)
                                    .toFloatArray();
                            assertClose(expected, shardGradients.get(name), name + " on tensor rank " + t);
                        }
                    }
                }
            } finally {
                threads.shutdownNow();
                reference.close();
            }
        }
    }

    @Test
    void pipelineStagesChainedByHandReproduceTheWholeModel() {
        Reference reference = reference(CONFIG);
        try (NDManager local = manager.newSubManager()) {
            GptStages stages = GptStages.of(CONFIG, 1, 2);
            GptShard first = GptShard.of(reference.model, 1, 0, stages, 0, local);
            GptShard last = GptShard.of(reference.model, 1, 0, stages, 1, local);
            JniUtils.setGradMode(true);
            Tape firstTape = new Tape(Collectives.single(), true);
            NDArray activation = first.forward(firstTape, local.create(reference.tokens, new Shape(SHAPE)), null, true);
            Tape lastTape = new Tape(Collectives.single(), true);
            NDArray loss = last.forward(lastTape, activation.duplicate(), local.create(reference.labels, new Shape(SHAPE)), true);
            JniUtils.setGradMode(false);
            assertEquals(reference.loss, loss.getFloat(), 1e-6);
            NDArray activationGradient = lastTape.backward(loss, null);
            assertEquals(first.activationShape(new Shape(SHAPE)), activationGradient.getShape());
            firstTape.backward(activation, activationGradient);
            Map<String, float[]> grads = gradients(first);
            Map<String, float[]> lastGrads = gradients(last);
            assertEquals(List.of("transformer.wte.weight"), List.copyOf(first.tiedNames()));
            assertEquals(first.tiedNames(), last.tiedNames());
            // the tied embedding's gradient is the sum of its two copies'
            float[] tiedSum = grads.get("transformer.wte.weight").clone();
            float[] headPart = lastGrads.remove("transformer.wte.weight");
            for (int i = 0; i < tiedSum.length; i++) {
                tiedSum[i] += headPart[i];
            }
            grads.put("transformer.wte.weight", tiedSum);
            grads.putAll(lastGrads);
            assertEquals(reference.gradients.keySet(), grads.keySet());
            for (String name : reference.gradients.keySet()) {
                assertClose(reference.gradients.get(name).toFloatArray(), grads.get(name), name);
            }
        } finally {
            reference.close();
        }
    }

    @Test
    void balancedStagesEvenOutParameterCounts() {
        GptConfig config = GptConfig.DEFAULT.withLayers(8);
        assertEquals("[4, 4]", GptStages.balanced(config, 2).toString());
        assertEquals("[2, 2, 2, 2]", GptStages.balanced(config, 4).toString());
        // embeddings and an untied head of a 2048-token vocabulary weigh about 1.4 blocks each: the first
        // and the last stage get one block, the middle ones three
        GptConfig wide = new GptConfig(2048, 128, 8, 4, 128, false, 0.0, 1e-5);
        assertEquals("[1, 3, 3, 1]", GptStages.balanced(wide, 4).toString());
    }

    @Test
    void modelsThatDoNotSplitAreRefusedNamingTheField() {
        ModelConfigException heads = assertThrows(ModelConfigException.class,
                () -> GptShard.checkSplit(CONFIG, 3, 1));
        assertTrue(heads.getMessage().contains("heads: got 4, expected a multiple of spec.parallelism.tensor (3)"),
                heads.getMessage());
        ModelConfigException layers = assertThrows(ModelConfigException.class,
                () -> GptShard.checkSplit(CONFIG, 1, 4));
        assertTrue(layers.getMessage().contains("layers: got 3, expected at least spec.parallelism.pipeline (4)"),
                layers.getMessage());
        assertThrows(ModelConfigException.class, () -> GptStages.of(CONFIG, 1, 1));
    }

    private static final long[] SHAPE = {2, 8};

    /** The whole model, one batch, its loss and its gradients by name. */
    private Reference reference(GptConfig config) {
        Engine.getInstance().setRandomSeed(7);
        Gpt model = new Gpt(config, manager);
        Random random = new Random(3);
        int[] tokens = new int[16];
        int[] labels = new int[16];
        for (int i = 0; i < 16; i++) {
            tokens[i] = random.nextInt(config.vocabSize());
            labels[i] = random.nextInt(config.vocabSize());
        }
        JniUtils.setGradMode(true);
        NDArray logits = model.forward(manager.create(tokens, new Shape(SHAPE)), true);
        NDArray loss = model.loss(logits, manager.create(labels, new Shape(SHAPE)));
        JniUtils.setGradMode(false);
        JniUtils.backward((PtNDArray) loss, (PtNDArray) manager.ones(new Shape(), DataType.FLOAT32), false, false);
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        for (String name : model.parameters().names()) {
            gradients.put(name, model.parameters().get(name).getGradient().duplicate());
            JniUtils.zeroGrad((PtNDArray) model.parameters().get(name));
        }
        return new Reference(model, tokens, labels, loss.getFloat(), gradients);
    }

    private static Map<String, float[]> gradients(GptShard shard) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : shard.parameters().names()) {
            try (NDArray gradient = shard.parameters().get(name).getGradient()) {
                out.put(name, gradient.toFloatArray());
            }
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE * Math.max(1.0, scale), what + "[" + i + "]");
        }
    }

    private record Reference(Gpt model, int[] tokens, int[] labels, float loss, Map<String, NDArray> gradients)
            implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }
}
