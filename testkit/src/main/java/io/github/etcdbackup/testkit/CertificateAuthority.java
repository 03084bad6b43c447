package io.github.etcdbackup.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away CA with one server and one client certificate, made with openssl like easyrsa does for the charm.
 * The server certificate carries both server and client usage (the charm's {@code health} action presents it as a
 * client certificate) and the SANs {@code 127.0.0.1} and {@code localhost}, so TLS to loopback passes name checks.
 * One authority serves a whole simulated model, as easyrsa does for every etcd application related to it.
 */
final class CertificateAuthority {
    static final List<String> UNIT_FILES = List.of("ca.crt", "server.crt", "server.key", "client.crt", "client.key");

    /** The units' address in a model whose certificates name 127.0.0.1. */
    static final String LOOPBACK = "127.0.0.1";
    /**
     * The units' address in a model that plays the charm's certificates before 2023 (layer-etcd before 4aed0e97,
     * "Add 127.0.0.1 to the tls cert", 1.26 and older): another loopback address, the only IP they name.
     */
    static final String PRE_2023_ADDRESS = "127.0.0.2";

    private final Path dir;
    private final String address;

    private CertificateAuthority(Path dir, String address) {
        this.dir = dir;
        this.address = address;
    }

    /** Creates the CA and both leaf certificates in {@code dir}, or reuses them when a previous call made them. */
    static CertificateAuthority createIn(Path dir) {
        return createIn(dir, LOOPBACK);
    }

    /**
     * Creates the CA and leaf certificates whose server certificate names {@code address} (and {@code localhost});
     * the units listen and advertise there.
     */
    static synchronized CertificateAuthority createIn(Path dir, String address) {
        try {
            Files.createDirectories(dir);
            CertificateAuthority ca = new CertificateAuthority(dir, address);
            if (!Files.exists(dir.resolve("client.crt"))) {
                ca.generate();
            }
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The address the units' certificates name, where they listen and advertise. */
    String address() {
        return address;
    }

    /** Copies the charm's five TLS files into a unit's {@code /var/snap/etcd/common}. */
    void installInto(Path certDir) {
        try {
            Files.createDirectories(certDir);
            for (String name : UNIT_FILES) {
                Files.copy(dir.resolve(name), certDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void generate() throws IOException {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                "-keyout", file("ca.key"), "-out", file("ca.crt"), "-subj", "/CN=etcd-testkit-ca",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        leaf("server", "subjectAltName=IP:" + address + ",DNS:localhost\n"
                + "extendedKeyUsage=serverAuth,clientAuth\n");
        leaf("client", "extendedKeyUsage=clientAuth\n");
    }

    private void leaf(String name, String extensions) throws IOException {
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + extensions);
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", file(name + ".key"),
                "-out", file(name + ".csr"), "-subj", "/CN=etcd-testkit-" + name);
        openssl("x509", "-req", "-in", file(name + ".csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
                "-set_serial", "0x" + Long.toHexString(System.nanoTime()), "-days", "3650",
                "-extfile", ext.toString(), "-out", file(name + ".crt"));
    }

    private String file(String name) {
        return dir.resolve(name).toString();
    }

    private static void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Commands.run(command).orThrow();
    }
}
