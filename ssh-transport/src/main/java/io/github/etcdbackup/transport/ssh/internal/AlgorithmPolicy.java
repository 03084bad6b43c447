package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.Config;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.transport.cipher.Cipher;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The algorithms this transport offers: sshj's defaults, minus what OpenSSH itself disabled years ago (SHA-1 key
 * exchange and signatures, CBC, MD5/SHA-1/RIPEMD MACs, DSA), and with SunJCE's AES-GCM/CTR first
 * ({@link JdkCiphers}). A unit runs a current Ubuntu OpenSSH, which offers all of the kept ones; a server that only
 * speaks the removed ones is refused during key exchange.
 */
final class AlgorithmPolicy {
    /** chacha20-poly1305 stays as the last resort: sshj implements it with BouncyCastle, slower but sound. */
    private static final Set<String> FALLBACK_CIPHERS = Set.of("chacha20-poly1305@openssh.com");
    private static final List<String> MACS = List.of("hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512");
    private static final Set<String> SHA1_KEY_ALGORITHMS = Set.of("ssh-rsa", "ssh-dss",
            "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com");

    private AlgorithmPolicy() {
    }

    static Config config() {
        DefaultConfig config = new DefaultConfig();
        List<Factory.Named<Cipher>> ciphers = new ArrayList<>(JdkCiphers.preferred());
        ciphers.addAll(keep(config.getCipherFactories(), f -> FALLBACK_CIPHERS.contains(f.getName())));
        config.setCipherFactories(ciphers);
        config.setMACFactories(MACS.stream()
                .map(name -> config.getMACFactories().stream().filter(f -> f.getName().equals(name)).findFirst())
                .flatMap(java.util.Optional::stream)
                .toList());
        config.setKeyExchangeFactories(keep(config.getKeyExchangeFactories(), f -> !f.getName().contains("sha1")));
        config.setKeyAlgorithms(keep(config.getKeyAlgorithms(), f -> !SHA1_KEY_ALGORITHMS.contains(f.getName())));
        return config;
    }

    private static <T extends Factory.Named<?>> List<T> keep(List<T> factories, Predicate<T> wanted) {
        return factories.stream().filter(wanted).toList();
    }
}
