package dev.spindle.launcher.kube.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The part of Kustomize that spindle render applies, on fixtures in src/test/resources/kustomize. */
class KustomizationTest {

    @Test
    void labelsWhereKustomizeWouldThenPatches() {
        List<ObjectNode> objects = Kustomization.build("kustomize/base");
        ObjectNode job = objects.get(0);
        assertEquals("ml", job.at("/metadata/labels/team").asString());
        assertEquals("ml", job.at("/spec/template/metadata/labels/team").asString(), "pod template: created");
        assertTrue(job.at("/spec/selector").isMissingNode(), "a Job's selector is not created (the server makes it)");
        assertEquals("yes", job.at("/spec/template/metadata/labels/patched").asString(), "patched after labels");
        ObjectNode policy = objects.get(1);
        assertEquals("ml", policy.at("/spec/podSelector/matchLabels/team").asString(), "an existing selector");
        assertTrue(policy.at("/spec/ingress").isMissingNode(), "no ingress rule is made up");
        assertEquals("ml", objects.get(2).at("/spec/selector/team").asString(), "a Service's selector is created");
    }

    @Test
    void refusesFieldsItDoesNotApply() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Kustomization.build("kustomize/unknown-field"));
        assertEquals("kustomize/unknown-field/kustomization.yaml: 'images' is not a field spindle render applies (only"
                + " [bases, resources, commonLabels, patchesJson6902]); express the change as a JSON 6902 patch file",
                e.getMessage());
    }

    @Test
    void aPatchWithoutItsTargetFailsNamingBoth() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Kustomization.build("kustomize/missing-target"));
        assertEquals("kustomize/missing-target/kustomization.yaml: no batch/v1 Job named 'nope' for the patch"
                + " kustomize/base/patch.yaml", e.getMessage());
        assertFalse(e.getMessage().contains(".."));
    }

    @Test
    void aFileMissingFromTheClassPathSaysToRebuild() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Kustomization.build("manifests/overlays/aks-nothing"));
        assertTrue(e.getMessage().startsWith("manifests/overlays/aks-nothing/kustomization.yaml is not on the class"
                + " path"), e.getMessage());
    }
}
