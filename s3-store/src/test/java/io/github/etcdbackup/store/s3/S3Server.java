package io.github.etcdbackup.store.s3;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real S3 protocol server on loopback: S3Proxy on a free port, keeping objects as files under a directory
 * (jclouds' filesystem backend), requiring SigV4-signed requests with {@link #ACCESS_KEY} and {@link #SECRET_KEY}.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "etcd-backup-test";
    public static final String SECRET_KEY = "not-a-real-secret-0123456789";

    private final Path dir;
    private final BlobStoreContext context;
    private final S3Proxy proxy;

    private S3Server(Path dir, BlobStoreContext context, S3Proxy proxy) {
        this.dir = dir;
        this.context = context;
        this.proxy = proxy;
    }

    /** Starts a server keeping its buckets under {@code dir}. */
    public static S3Server start(Path dir) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", dir.toString());
        BlobStoreContext context = ContextBuilder.newBuilder("filesystem").credentials("local", "local")
                .overrides(properties).build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long end = System.nanoTime() + 30_000_000_000L;
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new S3Server(dir, context, proxy);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Creates a bucket. */
    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    /** The file that holds an object (the filesystem backend keeps a key as a path under its bucket). */
    public Path file(String bucket, String key) {
        return dir.resolve(bucket).resolve(key);
    }

    /**
     * Every file the backend holds for a bucket (objects, and parts of uploads if it kept any), relative to it and
     * sorted, except an empty {@code .mpus-ID-KEY-stub}: jclouds' record of a multipart upload. S3Proxy's abort is
     * not atomic ({@code S3ProxyHandler.handleAbortMultipartUpload} removes its own record of the upload, then asks
     * jclouds to drop the parts and that stub): when a part request the client cut is still failing on the server,
     * the second step can fail, and the client's next abort hears {@code NoSuchUpload}, S3's word for gone. The
     * empty stub then stays; it holds no byte of anything.
     */
    public List<String> files(String bucket) throws IOException {
        Path root = file(bucket, "");
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(file -> !emptyUploadStub(root, file))
                    .map(path -> root.relativize(path).toString()).sorted().toList();
        }
    }

    /** {@code .mpus-ID-KEY-stub} right under the bucket (KEY may hold slashes), with nothing in it. */
    private static boolean emptyUploadStub(Path root, Path file) {
        String name = root.relativize(file).toString();
        try {
            return name.startsWith(".mpus-") && name.endsWith("-stub") && Files.size(file) == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every key of a bucket, sub-"directories" included, as the backend holds them. */
    public java.util.List<String> keys(String bucket) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        context.getBlobStore().list(bucket, org.jclouds.blobstore.options.ListContainerOptions.Builder.recursive())
                .forEach(m -> keys.add(m.getName()));
        return keys;
    }

    /** A store on {@code bucket} of this server, with small parts so that a few MiB go up in several. */
    public S3SnapshotStore.Builder store(String bucket) {
        return S3SnapshotStore.builder().endpoint(endpoint()).bucket(bucket)
                .credentials(ACCESS_KEY, SECRET_KEY).partSize(5 * 1024 * 1024);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        } finally {
            context.close();
        }
    }
}
