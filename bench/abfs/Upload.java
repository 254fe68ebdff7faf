import dev.spindle.data.storage.Storage;
import java.net.URI;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Copies a local folder to a storage URI with Spindle's storage settings (for the ABFS data-wait
 * benchmark): java -cp LAUNCHER_CLASSPATH bench/abfs/Upload.java LOCAL_DIR URI
 */
public final class Upload {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Upload.java LOCAL_DIR URI");
            System.exit(2);
        }
        FileSystem fs = FileSystem.get(URI.create(args[1]), Storage.configuration());
        fs.copyFromLocalFile(new Path(new java.io.File(args[0]).toURI()), new Path(URI.create(args[1])));
        System.out.println("uploaded " + args[0] + " to " + args[1]);
    }
}
