package dev.spindle.data.storage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.azurebfs.contracts.exceptions.KeyProviderException;
import org.apache.hadoop.fs.azurebfs.services.KeyProvider;

/**
 * Hands ABFS the storage account key from {@value AzureCredentials#STORAGE_KEY} (or the file
 * {@code SPINDLE_AZURE_STORAGE_KEY_FILE} names) at the moment it signs a request, so the key never sits
 * in the Hadoop configuration. ABFS instantiates it by class name ({@code fs.azure.account.keyprovider}).
 *
 * <pre>{@code
 * conf.set("fs.azure.account.keyprovider", EnvironmentKeyProvider.class.getName());
 * }</pre>
 */
public final class EnvironmentKeyProvider implements KeyProvider {

    @Override
    public String getStorageAccountKey(String accountName, Configuration conf) throws KeyProviderException {
        try {
            return Environment.system().secret(AzureCredentials.STORAGE_KEY).orElseThrow(() ->
                    new KeyProviderException("no storage key for account " + accountName + ": set "
                            + AzureCredentials.STORAGE_KEY + " or " + AzureCredentials.STORAGE_KEY + "_FILE"));
        } catch (StorageException e) {
            throw new KeyProviderException(e.getMessage(), e);
        }
    }
}
