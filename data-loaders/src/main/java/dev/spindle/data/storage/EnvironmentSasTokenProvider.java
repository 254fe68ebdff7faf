package dev.spindle.data.storage;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.azurebfs.extensions.SASTokenProvider;

/**
 * Hands ABFS a fixed SAS token from {@value AzureCredentials#SAS_TOKEN} (or the file
 * {@code SPINDLE_AZURE_SAS_TOKEN_FILE} names), read when ABFS asks, so the token never sits in the
 * Hadoop configuration. A leading {@code ?} (as the portal copies it) is dropped.
 *
 * <pre>{@code
 * conf.set("fs.azure.sas.token.provider.type", EnvironmentSasTokenProvider.class.getName());
 * }</pre>
 */
public final class EnvironmentSasTokenProvider implements SASTokenProvider {

    private String account;

    @Override
    public void initialize(Configuration configuration, String accountName) {
        this.account = accountName;
    }

    @Override
    public String getSASToken(String accountName, String fileSystem, String path, String operation)
            throws IOException {
        String token = Environment.system().secret(AzureCredentials.SAS_TOKEN).orElseThrow(() ->
                new IOException("no SAS token for account " + account + ": set " + AzureCredentials.SAS_TOKEN
                        + " or " + AzureCredentials.SAS_TOKEN + "_FILE"));
        return token.startsWith("?") ? token.substring(1) : token;
    }
}
