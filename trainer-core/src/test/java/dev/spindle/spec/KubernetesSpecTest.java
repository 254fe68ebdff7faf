package dev.spindle.spec;

import static dev.spindle.spec.Specs.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spec.kubernetes}: reading, defaults, each rule alone, the YAML round trip, and the render check. */
class KubernetesSpecTest {

    static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

    static final String AKS = Specs.FULL + """
              kubernetes:
                image: myacr.azurecr.io/spindle-trainer@%s
                namespace: ml-training
                overlay: aks-automatic
                workers: {gpus: 2, cpu: 8, memory: 48Gi}
                coordinator: {cpu: 500m, memory: 1Gi}
                priorityClassName: training
                nodeSelector: {agentpool: gpu}
                tolerations:
                  - {key: team, operator: Equal, value: ml, effect: NoSchedule}
                  - {operator: Exists}
                workloadIdentity: {clientId: 00000000-0000-0000-0000-000000000001}
            """.formatted(DIGEST);

    @Test
    void readsEveryField() {
        KubernetesSpec k = SpecReader.read(AKS, List.of()).spec().kubernetes();
        assertEquals("myacr.azurecr.io/spindle-trainer@" + DIGEST, k.image());
        assertEquals("ml-training", k.namespace());
        assertEquals(KubernetesSpec.OVERLAY_AKS_AUTOMATIC, k.overlay());
        assertEquals(new KubernetesSpec.Workers(2, "8", "48Gi"), k.workers());
        assertEquals(new KubernetesSpec.Coordinator("500m", "1Gi"), k.coordinator());
        assertEquals("training", k.priorityClassName());
        assertEquals(Map.of("agentpool", "gpu"), k.nodeSelector());
        assertEquals(List.of(new KubernetesSpec.Toleration("team", "Equal", "ml", "NoSchedule"),
                new KubernetesSpec.Toleration(null, "Exists", null, null)), k.tolerations());
        assertEquals("00000000-0000-0000-0000-000000000001", k.workloadIdentity().clientId());
    }

    @Test
    void fillsDefaultsAndStaysOptional() {
        assertNull(SpecReader.read(Specs.FULL, List.of()).spec().kubernetes());
        KubernetesSpec k = SpecReader.read(Specs.FULL, List.of("spec.kubernetes.namespace=ns")).spec().kubernetes();
        assertNull(k.image());
        assertEquals(KubernetesSpec.DEFAULT_OVERLAY, k.overlay());
        assertEquals(KubernetesSpec.Workers.DEFAULT, k.workers());
        assertEquals(KubernetesSpec.Coordinator.DEFAULT, k.coordinator());
        assertEquals(Map.of(), k.nodeSelector());
        assertEquals(List.of(), k.tolerations());
        assertNull(k.workloadIdentity());
    }

    @Test
    void roundTripsThroughYamlAndChangesTheDigest() {
        JobSpec aks = SpecReader.read(AKS, List.of());
        assertEquals(aks, SpecReader.read(SpecWriter.toYaml(aks), List.of()), "YAML round trip");
        JobSpec local = SpecReader.read(Specs.FULL, List.of());
        assertEquals(local, aks.withSpec(aks.spec().withKubernetes(null)));
        assertEquals(SpecWriter.digest(local), SpecWriter.digest(aks.withSpec(aks.spec().withKubernetes(null))));
    }

    @Test
    void renderingNeedsTheSectionAndTheImage() {
        Spec local = SpecReader.read(Specs.FULL, List.of()).spec();
        SpecException none = assertThrows(SpecException.class, () -> KubernetesSpec.forDeployment(local));
        assertEquals("spec.kubernetes: missing, expected a kubernetes section with at least image:"
                + " <registry>/<repository>@sha256:<digest> to run the job on Kubernetes", none.getMessage());
        Spec noImage = SpecReader.read(Specs.FULL, List.of("spec.kubernetes.namespace=ns")).spec();
        SpecException missing = assertThrows(SpecException.class, () -> KubernetesSpec.forDeployment(noImage));
        assertEquals("spec.kubernetes.image", missing.problems().get(0).path());
        assertEquals(Problem.MISSING, missing.problems().get(0).value());
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                rule("spec.kubernetes.image: got 'myacr.azurecr.io/spindle-trainer:v1', expected an image pinned"
                        + " by digest, repository@sha256:<64 lower-case hex digits> (a tag can move; the digest is what"
                        + " ran)", "spec.kubernetes.image=myacr.azurecr.io/spindle-trainer:v1"),
                rule("spec.kubernetes.image: got 'trainer@sha256:abc', expected an image pinned by digest,"
                        + " repository@sha256:<64 lower-case hex digits> (a tag can move; the digest is what ran)",
                        "spec.kubernetes.image=trainer@sha256:abc"),
                rule("spec.kubernetes.overlay: got 'aks-standrd', expected one of [aks-standard, aks-automatic]"
                        + " (did you mean 'aks-standard'?)", "spec.kubernetes.overlay=aks-standrd"),
                rule("spec.kubernetes.namespace: got 'ML_Training', expected a namespace name: a DNS-1123 label"
                        + " (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63"
                        + " characters)", "spec.kubernetes.namespace=ML_Training"),
                rule("spec.kubernetes.workers.gpus: got -1, expected a whole number >= 0",
                        "spec.kubernetes.workers.gpus=-1"),
                rule("spec.kubernetes.workers.memory: got '48GB', expected a Kubernetes quantity > 0 such as \"4\","
                        + " \"500m\", \"16Gi\" or \"512M\"", "spec.kubernetes.workers.memory=48GB"),
                rule("spec.kubernetes.coordinator.cpu: got '0', expected a Kubernetes quantity > 0 such as \"4\","
                        + " \"500m\", \"16Gi\" or \"512M\"", "spec.kubernetes.coordinator.cpu='0'"),
                rule("spec.kubernetes.workers.cpu: got [8], expected a Kubernetes quantity such as \"4\" or 16Gi",
                        "spec.kubernetes.workers.cpu=[8]"),
                rule("spec.kubernetes.priorityClassName: got 'High', expected a PriorityClass name (a DNS-1123"
                        + " subdomain)", "spec.kubernetes.priorityClassName=High"),
                rule("spec.kubernetes.nodeSelector.agentpool: got 'gpu pool', expected a Kubernetes label value: up"
                        + " to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
                        "spec.kubernetes.nodeSelector={agentpool: gpu pool}"),
                rule("spec.kubernetes.tolerations[1].operator: got 'In', expected one of [Equal, Exists]",
                        "spec.kubernetes.tolerations=[{key: a, value: b}, {key: c, operator: In}]"),
                rule("spec.kubernetes.tolerations[0].effect: got 'NoSchedul', expected one of [NoSchedule,"
                        + " PreferNoSchedule, NoExecute] (did you mean 'NoSchedule'?)",
                        "spec.kubernetes.tolerations=[{key: a, value: b, effect: NoSchedul}]"),
                rule("spec.kubernetes.tolerations[0].value: got 'b', expected no value with operator Exists (it"
                        + " matches any value)", "spec.kubernetes.tolerations=[{key: a, operator: Exists, value: b}]"),
                rule("spec.kubernetes.tolerations[0].key: missing, expected the taint's key (only operator Exists"
                        + " may leave it out, to tolerate every taint)", "spec.kubernetes.tolerations=[{value: b}]"),
                rule("spec.kubernetes.tolerations[0]: got 'sku=gpu', expected a mapping with fields [key, operator,"
                        + " value, effect]", "spec.kubernetes.tolerations=[sku=gpu]"),
                rule("spec.kubernetes.tolerations[0].tolerationSeconds: unknown field, expected one of [key, operator,"
                        + " value, effect]", "spec.kubernetes.tolerations=[{key: a, tolerationSeconds: 5}]"),
                rule("spec.kubernetes.workloadIdentity.clientId: got 'my-app', expected the client id of the managed"
                        + " identity or app registration (a GUID such as 00000000-0000-0000-0000-000000000000)",
                        "spec.kubernetes.workloadIdentity.clientId=my-app"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void brokenRuleIsTheOnlyProblem(String expected, List<String> overrides) {
        assertEquals(List.of(expected), Specs.problemLines(AKS, overrides));
    }
}
