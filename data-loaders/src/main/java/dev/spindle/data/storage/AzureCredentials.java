package dev.spindle.data.storage;

import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * How Spindle authenticates to Azure Storage, chosen from the environment in the order a user on AKS
 * expects: Azure Workload Identity (the federated token the webhook mounts into the pod), then a managed
 * identity when asked for, then a shared key or SAS token for development, and a managed identity when
 * nothing is configured. Keys and SAS tokens never enter the Hadoop configuration: providers read them
 * from the environment when ABFS asks, so a dumped configuration or a log line cannot show them.
 *
 * <pre>{@code
 * AzureCredentials credentials = AzureCredentials.from(Environment.system());
 * credentials.applyTo(configuration);
 * log.info("storage credentials: {}", credentials.describe());   // never the secret
 * }</pre>
 */
public sealed interface AzureCredentials {

    /** Set by the workload-identity webhook: the projected service-account token. */
    String FEDERATED_TOKEN_FILE = "AZURE_FEDERATED_TOKEN_FILE";
    String CLIENT_ID = "AZURE_CLIENT_ID";
    String TENANT_ID = "AZURE_TENANT_ID";
    String AUTHORITY_HOST = "AZURE_AUTHORITY_HOST";
    /** {@code true} picks the managed identity even when a key or SAS token is also set. */
    String USE_MANAGED_IDENTITY = "SPINDLE_AZURE_MANAGED_IDENTITY";
    /** A storage account key (or {@code SPINDLE_AZURE_STORAGE_KEY_FILE}, a file holding it). */
    String STORAGE_KEY = "SPINDLE_AZURE_STORAGE_KEY";
    /** A SAS token (or {@code SPINDLE_AZURE_SAS_TOKEN_FILE}, a file holding it). */
    String SAS_TOKEN = "SPINDLE_AZURE_SAS_TOKEN";

    String WORKLOAD_IDENTITY_PROVIDER = "org.apache.hadoop.fs.azurebfs.oauth2.WorkloadIdentityTokenProvider";
    String MSI_PROVIDER = "org.apache.hadoop.fs.azurebfs.oauth2.MsiTokenProvider";

    /** What a log line may say about these credentials: the kind and public identifiers only. */
    String describe();

    /** Sets the account-agnostic {@code fs.azure.account.*} keys for this kind of credential. */
    void applyTo(Configuration conf);

    /** Entra ID token exchange for the pod's federated service-account token. */
    record WorkloadIdentity(String tenantId, String clientId, String tokenFile, String authorityHost)
            implements AzureCredentials {
        public WorkloadIdentity {
            require(tenantId, TENANT_ID);
            require(clientId, CLIENT_ID);
            require(tokenFile, FEDERATED_TOKEN_FILE);
        }

        @Override
        public String describe() {
            return "workload identity (client " + clientId + ", tenant " + tenantId + ")";
        }

        @Override
        public void applyTo(Configuration conf) {
            conf.set("fs.azure.account.auth.type", "OAuth");
            conf.set("fs.azure.account.oauth.provider.type", WORKLOAD_IDENTITY_PROVIDER);
            conf.set("fs.azure.account.oauth2.msi.tenant", tenantId);
            conf.set("fs.azure.account.oauth2.client.id", clientId);
            conf.set("fs.azure.account.oauth2.token.file", tokenFile);
            if (authorityHost != null) {
                conf.set("fs.azure.account.oauth2.msi.authority", authorityHost);
            }
        }
    }

    /** The VM's or node pool's managed identity through the instance metadata service. */
    record ManagedIdentity(String clientId, String tenantId) implements AzureCredentials {
        @Override
        public String describe() {
            return "managed identity" + (clientId == null ? " (system-assigned)" : " (client " + clientId + ")");
        }

        @Override
        public void applyTo(Configuration conf) {
            conf.set("fs.azure.account.auth.type", "OAuth");
            conf.set("fs.azure.account.oauth.provider.type", MSI_PROVIDER);
            if (clientId != null) {
                conf.set("fs.azure.account.oauth2.client.id", clientId);
            }
            if (tenantId != null) {
                conf.set("fs.azure.account.oauth2.msi.tenant", tenantId);
            }
        }
    }

    /** A storage account key for development, read by {@link EnvironmentKeyProvider} when ABFS asks. */
    record SharedKey() implements AzureCredentials {
        @Override
        public String describe() {
            return "shared key from " + STORAGE_KEY;
        }

        @Override
        public void applyTo(Configuration conf) {
            conf.set("fs.azure.account.auth.type", "SharedKey");
            conf.set("fs.azure.account.keyprovider", EnvironmentKeyProvider.class.getName());
        }
    }

    /** A SAS token for development, read by {@link EnvironmentSasTokenProvider} when ABFS asks. */
    record Sas() implements AzureCredentials {
        @Override
        public String describe() {
            return "SAS token from " + SAS_TOKEN;
        }

        @Override
        public void applyTo(Configuration conf) {
            conf.set("fs.azure.account.auth.type", "SAS");
            conf.set("fs.azure.sas.token.provider.type", EnvironmentSasTokenProvider.class.getName());
        }
    }

    /**
     * The credentials {@code env} configures, in order: workload identity, managed identity when
     * {@value #USE_MANAGED_IDENTITY} is true, shared key, SAS token, and managed identity by default.
     *
     * @throws StorageException if workload identity is half configured (a token file without ids)
     */
    static AzureCredentials from(Environment env) {
        Optional<String> tokenFile = env.get(FEDERATED_TOKEN_FILE);
        if (tokenFile.isPresent()) {
            if (env.get(CLIENT_ID).isEmpty() || env.get(TENANT_ID).isEmpty()) {
                throw new StorageException(FEDERATED_TOKEN_FILE + " is set but " + CLIENT_ID + " or " + TENANT_ID
                        + " is not: label the pod azure.workload.identity/use=true and annotate its service"
                        + " account with azure.workload.identity/client-id so the webhook sets all three");
            }
            return new WorkloadIdentity(env.get(TENANT_ID).get(), env.get(CLIENT_ID).get(), tokenFile.get(),
                    env.get(AUTHORITY_HOST).orElse(null));
        }
        boolean managed = env.get(USE_MANAGED_IDENTITY).map(Boolean::parseBoolean).orElse(false);
        if (!managed && env.secret(STORAGE_KEY).isPresent()) {
            return new SharedKey();
        }
        if (!managed && env.secret(SAS_TOKEN).isPresent()) {
            return new Sas();
        }
        return new ManagedIdentity(env.get(CLIENT_ID).orElse(null), env.get(TENANT_ID).orElse(null));
    }

    private static void require(String value, String variable) {
        if (value == null || value.isBlank()) {
            throw new StorageException(variable + " is empty: workload identity needs " + TENANT_ID + ", "
                    + CLIENT_ID + " and " + FEDERATED_TOKEN_FILE);
        }
    }
}
