package dev.spindle.launcher;

import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.ParametersDigest;
import dev.spindle.model.Model;
import dev.spindle.peft.AdapterMetadata;
import dev.spindle.peft.format.AdapterFiles;
import dev.spindle.peft.AdapterMetadataJson;
import dev.spindle.peft.format.PeftAdapterConfig;
import dev.spindle.peft.lora.LoraAdapter;
import dev.spindle.peft.lora.LoraConfig;
import dev.spindle.spec.PeftSpec;
import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import dev.spindle.train.TrainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LoRA side of a local run: puts an adapter on the loaded base (from the parent adapter when the
 * spec names one), remembers the base's digest for checkpoints, and writes {@code <runDir>/adapter/}
 * (PEFT files plus {@code spindle-adapter.json}) when the run has done all its steps.
 */
final class LoraRun implements TrainListener {

    /** The adapter's folder inside a run directory. */
    static final String ADAPTER_DIR = "adapter";

    private final PeftSpec peft;
    private final LoraAdapter adapter;
    private final String baseDigest;
    private final String baseName;
    private double evalLoss = Double.NaN;

    private LoraRun(PeftSpec peft, LoraAdapter adapter, String baseDigest, String baseName) {
        this.peft = peft;
        this.adapter = adapter;
        this.baseDigest = baseDigest;
        this.baseName = baseName;
    }

    /**
     * Attaches the adapter to {@code model}, whose parameters must hold the base weights already.
     *
     * @param parentDir the resolved {@code spec.peft.parent}, or {@code null}
     * @throws JobException when a target matches nothing (listing the model's modules) or the parent
     *     adapter does not fit
     */
    static LoraRun attach(PeftSpec peft, Model model, String baseName, Path parentDir, NDManager manager)
            throws IOException {
        String digest = ParametersDigest.of(model.parameters().asMap());
        LoraAdapter adapter;
        try {
            adapter = LoraAdapter.attach(model, LoraConfig.of(peft));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new JobException(e.getMessage());
        }
        if (parentDir != null) {
            try (NDManager scratch = manager.newSubManager()) {
                AdapterFiles.Loaded parent = AdapterFiles.read(parentDir, scratch);
                adapter.load(adapter.config(), parent.tensors());
            } catch (IllegalArgumentException e) {
                throw new JobException("spec.peft.parent: " + parentDir + ": " + e.getMessage());
            }
        }
        return new LoraRun(peft, adapter, digest, baseName);
    }

    /** The {@code ParametersDigest} of the base, as checkpoints record it. */
    String baseDigest() {
        return baseDigest;
    }

    String summary() {
        return adapter.summary();
    }

    @Override
    public void onStep(StepMetrics metrics) {
        if (!Double.isNaN(metrics.evalLoss())) {
            evalLoss = metrics.evalLoss();
        }
    }

    /**
     * Writes the adapter folder if the run is complete.
     *
     * @return the folder, or {@code null} when the run stopped early (a resume writes it)
     */
    Path writeIfDone(Path runDir, TrainResult result, String specDigest, String datasetDigest, Path parentDir)
            throws IOException {
        if (result.stoppedEarly()) {
            return null;
        }
        Path dir = runDir.resolve(ADAPTER_DIR);
        Files.createDirectories(dir);
        AdapterFiles.write(dir, adapter, baseName, PeftAdapterConfig.CAUSAL_LM);
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!Double.isNaN(result.finalLoss())) {
            metrics.put("loss", result.finalLoss());
        }
        if (!Double.isNaN(evalLoss)) {
            metrics.put("evalLoss", evalLoss);
        }
        // the last checkpoint's commit time: fixed by the run, so writing or pushing again gives the same record
        Instant createdAt = result.lastCheckpoint().map(CheckpointInfo::createdAt)
                .orElseThrow(() -> new IllegalStateException("a finished LoRA run has a final checkpoint"));
        AdapterMetadataJson.write(dir, new AdapterMetadata("sha256:" + baseDigest, datasetDigest, specDigest, metrics,
                parentVersion(parentDir), createdAt));
        return dir;
    }

    /** A parent's version is the name of the run (or pulled image folder) it came from. */
    private static String parentVersion(Path parentDir) {
        if (parentDir == null) {
            return null;
        }
        Path dir = parentDir.toAbsolutePath().normalize();
        Path named = ADAPTER_DIR.equals(String.valueOf(dir.getFileName())) && dir.getParent() != null
                ? dir.getParent() : dir;
        return String.valueOf(named.getFileName());
    }
}
