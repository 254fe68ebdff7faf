package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecWriterTest {

    @Test
    void fullSpecRoundTripsThroughYaml() {
        JobSpec job = SpecReader.read(Specs.FULL, List.of());

        assertEquals(job, SpecReader.read(SpecWriter.toYaml(job), List.of()));
    }

    @Test
    void resolvedYamlShowsDefaultsAndOmitsAbsentFields() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of());

        String yaml = SpecWriter.toYaml(job);

        assertTrue(yaml.contains("seed: 42"), yaml);
        assertTrue(yaml.contains("keep: 3"), yaml);
        assertTrue(yaml.contains("weightDecay: 0.01"), yaml);
        assertFalse(yaml.contains("evalUri"), yaml);
        assertFalse(yaml.contains("null"), yaml);
        assertEquals(job, SpecReader.read(yaml, List.of()));
    }

    @Test
    void stringsThatLookLikeOtherYamlTypesStayStrings() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of("metadata.labels.flag='true'",
                "metadata.labels.version='1.10'", "metadata.labels.count='007'", "spec.model.architecture='no'",
                "spec.data.uri='data: #1.arrow'"));

        JobSpec back = SpecReader.read(SpecWriter.toYaml(job), List.of());

        assertEquals(job, back);
        assertEquals("1.10", back.metadata().labels().get("version"));
    }

    @Test
    void digestIsSha256OfSortedKeyJson() throws Exception {
        // The canonical form written out by hand: keys sorted at every level, absent fields left out.
        String canonical = "{\"apiVersion\":\"spindle.dev/v1\",\"kind\":\"TrainingJob\","
                + "\"metadata\":{\"labels\":{},\"name\":\"minimal\"},"
                + "\"spec\":{\"checkpoint\":{\"everySteps\":0,\"keep\":3},"
                + "\"data\":{\"prefetch\":4,\"schema\":\"tabular\",\"shuffleBuffer\":1024,"
                + "\"tabular\":{\"features\":[],\"label\":\"label\"},\"uri\":\"data/train.arrow\"},"
                + "\"elastic\":{\"maxRestarts\":3,\"maxWorkers\":1,\"minWorkers\":1,\"rendezvousTimeoutSeconds\":60},"
                + "\"model\":{\"architecture\":\"mlp\",\"config\":{}},"
                + "\"optimizer\":{\"beta1\":0.9,\"beta2\":0.999,\"eps\":1.0E-8,\"lr\":3.0E-4,\"momentum\":0.0,"
                + "\"name\":\"adamw\",\"nesterov\":false,"
                + "\"schedule\":{\"minLrRatio\":0.0,\"name\":\"constant\",\"warmupSteps\":0},\"weightDecay\":0.01},"
                + "\"parallelism\":{\"collectiveTimeoutSeconds\":60,\"data\":1,\"pipeline\":1,\"schedule\":\"1f1b\","
                + "\"tensor\":1},"
                + "\"training\":{\"batchSize\":8,\"evalBatches\":8,\"evalInterval\":0,\"gradientAccumulation\":1,"
                + "\"gradientClipping\":0.0,\"logInterval\":10,\"seed\":42,\"steps\":30,\"threads\":0}}}";
        String expected = "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));

        assertEquals(expected, SpecWriter.digest(SpecReader.read(Specs.MINIMAL, List.of())));
    }

    @Test
    void digestIgnoresKeyOrderAndFormattingOfTheSource() {
        String reordered = """
                kind: TrainingJob
                spec:
                  training: {batchSize: 8, steps: 30}
                  optimizer: {name: adamw, lr: 0.0003}
                  data: {schema: tabular, uri: "data/train.arrow"}
                  model: {architecture: mlp}
                metadata: {name: minimal}
                apiVersion: spindle.dev/v1
                """;

        assertEquals(SpecWriter.digest(SpecReader.read(Specs.MINIMAL, List.of())),
                SpecWriter.digest(SpecReader.read(reordered, List.of())));
    }

    @Test
    void digestChangesWhenAnyValueChanges() {
        String base = SpecWriter.digest(SpecReader.read(Specs.FULL, List.of()));

        for (String override : List.of("spec.training.steps=101", "spec.model.config.layers=3",
                "metadata.labels.team=vision", "spec.optimizer.schedule.minLrRatio=0.2", "spec.checkpoint.uri=")) {
            assertNotEquals(base, SpecWriter.digest(SpecReader.read(Specs.FULL, List.of(override))), override);
        }
    }

    @Test
    void digestOfTheSameSpecIsTheSameAcrossReads() {
        String first = SpecWriter.digest(SpecReader.read(Specs.FULL, List.of()));

        assertEquals(first, SpecWriter.digest(SpecReader.read(Specs.FULL, List.of())));
        assertTrue(first.matches("sha256:[0-9a-f]{64}"), first);
    }
}
