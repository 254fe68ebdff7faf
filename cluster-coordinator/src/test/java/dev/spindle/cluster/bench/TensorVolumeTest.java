package dev.spindle.cluster.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.parallel.pipeline.PipelineRunner;
import dev.spindle.parallel.pipeline.Schedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The benchmarks' bookkeeping: the analytic all-reduce volume, the counting decorator, the bubble target. */
class TensorVolumeTest {

    private static final GptConfig SMALL = new GptConfig(16, 8, 2, 2, 16, true, 0.0, 1e-5);

    @Test
    void analyticVolumeAddsUpBlocksEmbeddingLossAndFinalNorm() {
        GptConfig config = new GptConfig(256, 64, 4, 4, 128, true, 0.0, 1e-5);
        long positions = 8 * 64;
        long activation = positions * 128;
        // forward: 4 blocks × 2 + the embedding; the loss's 3 floats per position
        assertEquals(9 * activation + 3 * positions, TensorVolume.forwardFloats(config, 8, 64, 2));
        // backward: 4 blocks × 2 + the final layer norm
        assertEquals(9 * activation, TensorVolume.backwardFloats(config, 8, 64, 2));
        assertEquals(1_181_184, TensorVolume.floatsPerStep(config, 8, 64, 2));
        assertEquals(21, TensorVolume.callsPerStep(config, 2));
        assertEquals(0, TensorVolume.floatsPerStep(config, 8, 64, 1));
        assertEquals(0, TensorVolume.callsPerStep(config, 1));
        // a ring of 2 sends half of each buffer twice: the whole buffer; of 4, 3/2 of it
        assertEquals(4_000, TensorVolume.ringBytesPerRank(1_000, 2));
        assertEquals(6_000, TensorVolume.ringBytesPerRank(1_000, 4));
    }

    @Test
    void countingDecoratorSeesExactlyTheAnalyticVolumeOfAShardsStep() throws Exception {
        int tensor = 2;
        int batch = 3;
        Engine.getInstance().setRandomSeed(5);
        try (NDManager manager = NDManager.newBaseManager(); Gpt whole = new Gpt(SMALL, manager)) {
            List<GptShard> shards = new ArrayList<>();
            for (int t = 0; t < tensor; t++) {
                shards.add(GptShard.of(whole, tensor, t, GptStages.balanced(SMALL, 1), 0, manager));
            }
            List<Collectives> group = InProcessCollectives.group(tensor, Duration.ofSeconds(20));
            ExecutorService threads = Executors.newFixedThreadPool(tensor);
            try {
                List<Future<long[]>> counts = new ArrayList<>();
                for (int t = 0; t < tensor; t++) {
                    int rank = t;
                    counts.add(threads.submit(() -> {
                        CountingCollectives counting = new CountingCollectives(group.get(rank));
                        try (PipelineRunner runner = new PipelineRunner(shards.get(rank), counting, Collectives.single(),
                                Collectives.single(), Collectives.single(), Schedule.GPIPE, 1);
                                MeshBench.RandomTokens tokens = new MeshBench.RandomTokens(SMALL, batch, 3);
                                NDManager step = manager.newSubManager()) {
                            runner.trainStep(step, tokens);
                        }
                        long[] first = {counting.floats(), counting.calls()};
                        counting.reset();
                        return new long[] {first[0], first[1], counting.floats(), counting.calls()};
                    }));
                }
                for (Future<long[]> count : counts) {
                    long[] c = count.get(60, TimeUnit.SECONDS);
                    assertEquals(TensorVolume.floatsPerStep(SMALL, batch, SMALL.contextLength(), tensor), c[0]);
                    assertEquals(TensorVolume.callsPerStep(SMALL, tensor), c[1]);
                    assertEquals(0, c[2], "reset clears the floats");
                    assertEquals(0, c[3], "reset clears the calls");
                }
            } finally {
                threads.shutdownNow();
                shards.forEach(GptShard::close);
            }
        }
    }

    @Test
    void bubbleTargetIsTheIdealPlusTheCriticalPathsTransfersWithTenPercentSlack() {
        BubbleTarget target = new BubbleTarget(4, 8, 0.001, 0.100);
        assertEquals(3.0 / 11.0, target.ideal(), 1e-12);
        assertEquals(0.06, target.communication(), 1e-12); // 2 × 3 transfers of 1 ms in a 100 ms step
        assertEquals(1.1 * (3.0 / 11.0 + 0.06), target.limit(), 1e-12);
        assertTrue(target.met(target.limit()));
        assertFalse(target.met(target.limit() + 1e-9));
        assertEquals(0.0, new BubbleTarget(1, 4, 0.001, 0.1).idealPlusCommunication(), 1e-12);
    }
}
