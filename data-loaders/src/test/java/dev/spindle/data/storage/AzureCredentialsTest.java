package dev.spindle.data.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzureCredentialsTest {

    private static final String KEY = "c2VjcmV0LWtleS1ub3QtaW4tY29uZmln";

    @TempDir
    Path dir;

    private static Map<String, String> workloadIdentity() {
        Map<String, String> env = new HashMap<>();
        env.put(AzureCredentials.FEDERATED_TOKEN_FILE, "/var/run/secrets/azure/tokens/azure-identity-token");
        env.put(AzureCredentials.CLIENT_ID, "11111111-2222-3333-4444-555555555555");
        env.put(AzureCredentials.TENANT_ID, "66666666-7777-8888-9999-000000000000");
        env.put(AzureCredentials.AUTHORITY_HOST, "https://login.microsoftonline.com/");
        return env;
    }

    @Test
    void workloadIdentityComesFirstAndConfiguresHadoopsProvider() {
        Map<String, String> env = workloadIdentity();
        env.put(AzureCredentials.STORAGE_KEY, KEY);
        AzureCredentials credentials = AzureCredentials.from(Environment.of(env));
        assertInstanceOf(AzureCredentials.WorkloadIdentity.class, credentials);
        Configuration conf = new Configuration(false);
        credentials.applyTo(conf);
        assertEquals("OAuth", conf.get("fs.azure.account.auth.type"));
        assertEquals(AzureCredentials.WORKLOAD_IDENTITY_PROVIDER, conf.get("fs.azure.account.oauth.provider.type"));
        assertEquals("/var/run/secrets/azure/tokens/azure-identity-token", conf.get("fs.azure.account.oauth2.token.file"));
        assertEquals("66666666-7777-8888-9999-000000000000", conf.get("fs.azure.account.oauth2.msi.tenant"));
        assertEquals("https://login.microsoftonline.com/", conf.get("fs.azure.account.oauth2.msi.authority"));
    }

    @Test
    void aHalfConfiguredWorkloadIdentitySaysWhatToLabel() {
        Map<String, String> env = workloadIdentity();
        env.remove(AzureCredentials.CLIENT_ID);
        StorageException e = assertThrows(StorageException.class, () -> AzureCredentials.from(Environment.of(env)));
        assertTrue(e.getMessage().contains("azure.workload.identity/use=true"), e.getMessage());
    }

    @Test
    void managedIdentityWhenAskedForEvenWithAKey() {
        AzureCredentials credentials = AzureCredentials.from(Environment.of(Map.of(
                AzureCredentials.USE_MANAGED_IDENTITY, "true", AzureCredentials.STORAGE_KEY, KEY,
                AzureCredentials.CLIENT_ID, "abc")));
        assertEquals(new AzureCredentials.ManagedIdentity("abc", null), credentials);
        Configuration conf = new Configuration(false);
        credentials.applyTo(conf);
        assertEquals(AzureCredentials.MSI_PROVIDER, conf.get("fs.azure.account.oauth.provider.type"));
    }

    @Test
    void aKeyOrSasIsForDevelopmentAndNeverEntersTheConfiguration() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("key"), KEY + "\n");
        AzureCredentials key = AzureCredentials.from(Environment.of(Map.of(
                AzureCredentials.STORAGE_KEY + "_FILE", keyFile.toString())));
        assertEquals(new AzureCredentials.SharedKey(), key);
        AzureCredentials sas = AzureCredentials.from(Environment.of(Map.of(AzureCredentials.SAS_TOKEN, "sv=x&sig=y")));
        assertEquals(new AzureCredentials.Sas(), sas);
        for (AzureCredentials credentials : new AzureCredentials[] {key, sas}) {
            Configuration conf = StorageSettings.from(Environment.of(Map.of())).configuration();
            credentials.applyTo(conf);
            for (var entry : conf) {
                assertFalse(entry.getValue().contains(KEY) || entry.getValue().contains("sig=y"), entry.getKey());
            }
            assertFalse(credentials.describe().contains(KEY));
        }
    }

    @Test
    void nothingConfiguredMeansTheNodesManagedIdentity() {
        AzureCredentials credentials = AzureCredentials.from(Environment.of(Map.of()));
        assertEquals(new AzureCredentials.ManagedIdentity(null, null), credentials);
        assertTrue(credentials.describe().contains("system-assigned"));
    }

    @Test
    void anUnreadableKeyFileIsNamedWithoutReadingIt() {
        Map<String, String> env = Map.of(AzureCredentials.STORAGE_KEY + "_FILE", dir.resolve("absent").toString());
        StorageException e = assertThrows(StorageException.class, () -> AzureCredentials.from(Environment.of(env)));
        assertTrue(e.getMessage().contains("SPINDLE_AZURE_STORAGE_KEY_FILE names " + dir.resolve("absent")),
                e.getMessage());
    }

    @Test
    void tunedReadSettingsByDefaultAndOverridable() {
        Configuration defaults = StorageSettings.from(Environment.of(Map.of())).configuration();
        assertEquals(8L << 20, defaults.getLong("fs.azure.read.request.size", 0));
        assertEquals(8L << 20, defaults.getLong("fs.azure.read.readahead.blocksize", 0));
        assertEquals(8, defaults.getInt("fs.azure.readaheadqueue.depth", 0));
        assertEquals("JDK_HTTP_URL_CONNECTION", defaults.get("fs.azure.networking.library"));
        assertFalse(defaults.getBoolean("fs.azure.metrics.collection.enabled", true));
        assertNull(defaults.get("fs.azure.abfs.endpoint"), "Azure itself unless an emulator is named");

        Configuration tuned = StorageSettings.from(Environment.of(Map.of(StorageSettings.READ_REQUEST_BYTES, "4194304",
                StorageSettings.READ_AHEAD_DEPTH, "2"))).configuration();
        assertEquals(4L << 20, tuned.getLong("fs.azure.read.request.size", 0));
        assertEquals(2, tuned.getInt("fs.azure.readaheadqueue.depth", 0));

        StorageException bad = assertThrows(StorageException.class, () -> StorageSettings.from(
                Environment.of(Map.of(StorageSettings.READ_AHEAD_DEPTH, "eight"))));
        assertEquals("SPINDLE_AZURE_READAHEAD_DEPTH: got 'eight', expected a positive whole number (unset it for"
                + " the default 8)", bad.getMessage());
        StorageException plain = assertThrows(StorageException.class, () -> StorageSettings.from(
                Environment.of(Map.of(StorageSettings.HTTPS, "false"))));
        assertTrue(plain.getMessage().contains(StorageSettings.ENDPOINT), plain.getMessage());
    }
}
