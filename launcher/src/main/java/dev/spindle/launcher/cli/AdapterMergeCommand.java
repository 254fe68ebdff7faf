package dev.spindle.launcher.cli;

import ai.djl.ndarray.NDManager;
import dev.spindle.launcher.BaseWeights;
import dev.spindle.launcher.JobException;
import dev.spindle.peft.lora.MergedWeights;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle adapters merge ADAPTER_DIR --base BASE --out model.safetensors}: folds a LoRA adapter
 * into its base and writes a plain full model, which {@code spec.model.init.from} and Hugging Face
 * tools load without PEFT. The base is a safetensors file, a checkpoint directory or a run directory
 * (its newest committed checkpoint).
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter into its base model and write one safetensors file.")
final class AdapterMergeCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ADAPTER_DIR",
            description = "The adapter (adapter_config.json + adapter_model.safetensors), e.g. runs/lora-v1/adapter.")
    Path adapterDir;

    @Option(names = "--base", required = true, paramLabel = "BASE",
            description = "The base weights: a safetensors file, a checkpoint directory or a run directory.")
    Path base;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the merged model goes.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(adapterDir)) {
            throw new JobException("adapter " + adapterDir + " is not a directory; pass the folder a LoRA run"
                    + " wrote (<runDir>/adapter)");
        }
        if (Files.exists(out)) {
            throw new JobException("--out " + out + " exists already; choose a new file name or delete it");
        }
        Path baseFile = BaseWeights.resolve(base);
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // written beside the target and moved in whole, so a failed merge leaves no half file
        Path partial = Files.createTempFile(parent, ".merge-", ".safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            MergedWeights.write(adapterDir, baseFile, partial, manager);
            Files.move(partial, out);
        } catch (IllegalArgumentException e) {
            throw new JobException(e.getMessage());
        } finally {
            Files.deleteIfExists(partial);
        }
        PrintWriter printer = spec.commandLine().getOut();
        printer.println("spindle: merged " + adapterDir + " into " + baseFile + ": " + out + " ("
                + Files.size(out) + " bytes)");
        printer.flush();
        return SpindleCli.OK;
    }
}
