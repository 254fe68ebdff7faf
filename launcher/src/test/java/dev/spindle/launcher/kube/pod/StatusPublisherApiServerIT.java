package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.launcher.kube.StatusReport;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's status writes against a real kube-apiserver (the one {@code .ci/kube-up} starts), with the
 * coordinator's ServiceAccount token and exactly the Role the contract gives it: configmaps get/patch/update on
 * its own status ConfigMap only. The JSON merge patch is allowed and leaves the other keys; any other ConfigMap
 * is forbidden, which the publisher reports in one line.
 */
class StatusPublisherApiServerIT {

    @Test
    void theCoordinatorsRoleLetsItPatchItsStatusAndNothingElse() throws Exception {
        String kubeconfig = System.getenv("SPINDLE_TEST_KUBECONFIG");
        if (kubeconfig == null || !Files.isRegularFile(Path.of(kubeconfig))) {
            fail("no local API server: SPINDLE_TEST_KUBECONFIG (" + kubeconfig + ") is not a kubeconfig; run .ci/kube-up");
        }
        Config adminConfig = Config.fromKubeconfig(Files.readString(Path.of(kubeconfig), StandardCharsets.UTF_8));
        String ns = "spindle-pods-" + UUID.randomUUID().toString().substring(0, 8);
        try (KubernetesClient admin = new KubernetesClientBuilder().withConfig(adminConfig).build()) {
            try {
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                        .create();
                for (String name : new String[] {"tiny-status", "tiny-job"}) {
                    admin.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                            .endMetadata().addToData(StatusReport.KEY, "{}").addToData("other", "kept").build()).create();
                }
                admin.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
                        .withName("tiny-coordinator").endMetadata().build()).create();
                admin.rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata()
                        .withName("tiny-coordinator").endMetadata().addNewRule().withApiGroups("")
                        .withResources("configmaps").withResourceNames("tiny-status").withVerbs("get", "patch", "update")
                        .endRule().build()).create();
                admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata()
                        .withName("tiny-coordinator").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                        .withKind("Role").withName("tiny-coordinator").endRoleRef().addNewSubject()
                        .withKind("ServiceAccount").withName("tiny-coordinator").withNamespace(ns).endSubject().build())
                        .create();
                Config asCoordinator = new ConfigBuilder(Config.empty()).withMasterUrl(adminConfig.getMasterUrl())
                        .withCaCertData(adminConfig.getCaCertData()).withCaCertFile(adminConfig.getCaCertFile())
                        .withTrustCerts(adminConfig.isTrustCerts()).withOauthToken(token(admin, ns))
                        .withNamespace(ns).build();
                try (KubernetesClient coordinator = new KubernetesClientBuilder().withConfig(asCoordinator).build()) {
                    StatusTracker tracker = new StatusTracker(2, 0, 16);
                    tracker.end(true, "finished at step 16");
                    StringWriter err = new StringWriter();
                    assertTrue(StatusPublisher.toConfigMap(coordinator, ns, "tiny-status", new PrintWriter(err, true))
                            .offer(tracker.snapshot(Instant.now()), true), err.toString());
                    var live = admin.configMaps().inNamespace(ns).withName("tiny-status").get().getData();
                    assertEquals("Succeeded", new ObjectMapper().readTree(live.get(StatusReport.KEY)).path("phase").asText());
                    assertEquals("kept", live.get("other"));

                    StringWriter denied = new StringWriter();
                    assertFalse(StatusPublisher.toConfigMap(coordinator, ns, "tiny-job", new PrintWriter(denied, true))
                            .offer(tracker.snapshot(Instant.now()), true));
                    assertEquals(1, denied.toString().lines().count(), denied.toString());
                    assertTrue(denied.toString().toLowerCase(Locale.ROOT).contains("forbidden"), denied.toString());
                    assertEquals("{}", admin.configMaps().inNamespace(ns).withName("tiny-job").get().getData()
                            .get(StatusReport.KEY));
                }
            } finally {
                admin.namespaces().withName(ns).delete();
            }
        }
    }

    /** The ServiceAccount's token, from the Secret the token controller makes for it (v1.20). */
    private static String token(KubernetesClient admin, String ns) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            ServiceAccount sa = admin.serviceAccounts().inNamespace(ns).withName("tiny-coordinator").get();
            if (sa != null && sa.getSecrets() != null && !sa.getSecrets().isEmpty()) {
                var secret = admin.secrets().inNamespace(ns).withName(sa.getSecrets().get(0).getName()).get();
                if (secret != null && secret.getData() != null && secret.getData().get("token") != null) {
                    return new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no token Secret for ServiceAccount tiny-coordinator within 60 s; is the"
                + " controller-manager (serviceaccount-token controller) running? (.ci/kube-up)");
    }
}
