package dev.spindle.launcher.cli;

import dev.spindle.peft.image.AdapterDiff;
import dev.spindle.peft.image.AdapterImage;
import dev.spindle.peft.image.AdapterImages;
import dev.spindle.peft.image.ImageRef;
import dev.spindle.peft.image.PushResult;
import dev.spindle.peft.image.TagConflictException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle adapters push|pull|list|inspect|diff}: adapter versions as OCI images, in a local
 * layout ({@code oci-layout:<dir>:<tag>}) or a registry ({@code <registry>/<repository>:<tag>}).
 * Registry credentials come from SPINDLE_REGISTRY_USERNAME/PASSWORD or the Docker config file.
 */
@Command(name = "adapters", mixinStandardHelpOptions = true,
        description = "Push, pull, list, inspect and diff adapter versions stored as OCI images; merge one into its base.",
        subcommands = {AdaptersCommand.Push.class, AdaptersCommand.Pull.class, AdaptersCommand.ListVersions.class,
            AdaptersCommand.Inspect.class, AdaptersCommand.Diff.class, AdapterMergeCommand.class})
final class AdaptersCommand implements Runnable {

    static final String REF_HELP = "oci-layout:<dir>:<tag> or <registry>/<repository>:<tag>";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = "Push an adapter directory as an image; the same adapter twice is a no-op.")
    static final class Push implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ADAPTER_DIR",
                description = "Holds adapter_config.json, adapter_model.safetensors and spindle-adapter.json.")
        Path dir;

        @Parameters(index = "1", paramLabel = "REF", description = REF_HELP)
        String ref;

        @Option(names = "--force", description = "Move the tag even if it names a different adapter.")
        boolean force;

        @Override
        public Integer call() {
            PushResult r;
            try {
                r = AdapterImages.client().push(dir, ImageRef.parse(ref), force);
            } catch (TagConflictException e) {
                spec.commandLine().getErr().println("spindle: " + e.getMessage());
                return SpindleCli.BAD_INPUT;
            }
            String what = switch (r.outcome()) {
                case PUSHED -> "pushed";
                case UNCHANGED -> "unchanged (already there)";
                case REPLACED -> "replaced (tag moved by --force)";
            };
            spec.commandLine().getOut().printf("%s %s %s: image %d B, adapter %d B%n",
                    what, r.ref(), r.digest(), r.imageBytes(), r.adapterBytes());
            return SpindleCli.OK;
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = "Write an adapter image back as an adapter directory (with spindle-adapter.json).")
    static final class Pull implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "REF", description = REF_HELP)
        String ref;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new or empty directory.")
        Path out;

        @Override
        public Integer call() {
            AdapterImage image = AdapterImages.client().pull(ImageRef.parse(ref), out);
            spec.commandLine().getOut().printf("pulled %s %s into %s: %s%n", image.ref(), image.digest(), out,
                    image.fileBytes().entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " B")
                            .collect(Collectors.joining(", ")));
            return SpindleCli.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List a repository's versions (tags) with their parent and metrics.")
    static final class ListVersions implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "REPO", description = "oci-layout:<dir> or <registry>/<repository>")
        String repo;

        @Override
        public Integer call() {
            List<AdapterImage> versions = AdapterImages.client().list(ImageRef.parseRepository(repo));
            PrintWriter out = spec.commandLine().getOut();
            if (versions.isEmpty()) {
                out.println("no adapter versions in " + repo);
                return SpindleCli.OK;
            }
            out.printf("%-20s %-19s %-20s %-20s %s%n", "VERSION", "DIGEST", "CREATED", "PARENT", "METRICS");
            for (AdapterImage v : versions) {
                out.printf("%-20s %-19s %-20s %-20s %s%n", v.ref().tag(), shortDigest(v.digest()),
                        v.metadata().createdAt(), v.metadata().parentVersion() == null ? "-" : v.metadata().parentVersion(),
                        metrics(v.metadata().metrics()));
            }
            return SpindleCli.OK;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Show an adapter image's digest, sizes, labels and adapter config.")
    static final class Inspect implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "REF", description = REF_HELP)
        String ref;

        @Override
        public Integer call() {
            AdapterImage image = AdapterImages.client().inspect(ImageRef.parse(ref));
            PrintWriter out = spec.commandLine().getOut();
            out.println("ref:      " + image.ref());
            out.println("digest:   " + image.digest());
            out.printf("size:     %d B (manifest %d, config %d, layer %d)%n", image.imageBytes(),
                    image.manifestBytes(), image.configBytes(), image.layerBytes());
            image.fileBytes().forEach((name, bytes) -> out.printf("file:     /data/%s %d B%n", name, bytes));
            out.println("labels:");
            image.labels().forEach((k, v) -> out.println("  " + k + " = " + v));
            out.println("adapter_config.json:");
            out.println(image.adapterConfig().strip());
            return SpindleCli.OK;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Compare two versions: config fields, metrics, and per-tensor L2 norms of the weights.")
    static final class Diff implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "REF_A", description = REF_HELP)
        String a;

        @Parameters(index = "1", paramLabel = "REF_B", description = REF_HELP)
        String b;

        @Override
        public Integer call() {
            AdapterDiff d = AdapterImages.client().diff(ImageRef.parse(a), ImageRef.parse(b));
            PrintWriter out = spec.commandLine().getOut();
            out.println("A: " + d.a().ref() + " " + d.a().digest());
            out.println("B: " + d.b().ref() + " " + d.b().digest());
            out.println(d.config().isEmpty() ? "config: identical" : "config:");
            d.config().forEach(f -> out.printf("  %-28s %s -> %s%n", f.name(), f.a(), f.b()));
            out.println("metrics:");
            d.metrics().forEach(m -> out.printf("  %-28s %s -> %s%n", m.name(), orDash(m.a()), orDash(m.b())));
            out.println("tensors (L2 norms):");
            out.printf("  %-67s %12s %12s %12s%n", "name", "|A|", "|B|", "|A-B|");
            d.tensors().forEach(t -> out.printf("  %-67s %12.6g %12.6g %12.6g%n", t.name(), t.normA(), t.normB(),
                    t.normOfDifference()));
            return SpindleCli.OK;
        }
    }

    static String orDash(Object value) {
        return value == null ? "-" : value.toString();
    }

    static String shortDigest(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) : digest;
    }

    static String metrics(Map<String, Double> metrics) {
        return metrics.isEmpty() ? "-" : metrics.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
