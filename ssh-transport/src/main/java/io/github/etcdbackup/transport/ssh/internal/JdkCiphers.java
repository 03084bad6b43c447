package io.github.etcdbackup.transport.ssh.internal;

import com.hierynomus.sshj.transport.cipher.GcmCipher;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.common.SSHRuntimeException;
import net.schmizz.sshj.transport.cipher.BlockCipher;
import net.schmizz.sshj.transport.cipher.Cipher;

import java.security.GeneralSecurityException;
import java.security.NoSuchProviderException;
import java.util.Arrays;
import java.util.List;

/**
 * AES-GCM and AES-CTR for sshj, always taken from the JDK's own provider (SunJCE, AES-NI intrinsics).
 *
 * <p>Why not sshj's own factories: they ask {@code SecurityUtils} for the cipher, which hands out BouncyCastle's
 * pure-Java AES whenever BouncyCastle is registered (sshj's default), and that is 3 to 4 times slower on a
 * download (see performance-baseline.md). Turning registration off with
 * {@code SecurityUtils.setRegisterBouncyCastle(false)} would change every sshj user in the JVM, so this transport
 * leaves that global alone and only chooses its own ciphers.
 */
public final class JdkCiphers {
    /** The provider asked for first; any other JDK provider is the fallback (e.g. in a FIPS set-up without it). */
    static final String PREFERRED_PROVIDER = "SunJCE";

    private JdkCiphers() {
    }

    /** Our ciphers, fastest first on x86-64 with AES-NI (GCM needs no separate MAC pass). */
    public static List<Factory.Named<Cipher>> preferred() {
        return List.of(
                new Named("aes128-gcm@openssh.com", () -> new JdkGcm(16)),
                new Named("aes256-gcm@openssh.com", () -> new JdkGcm(32)),
                new Named("aes128-ctr", () -> new JdkCtr(16)),
                new Named("aes256-ctr", () -> new JdkCtr(32)),
                new Named("aes192-ctr", () -> new JdkCtr(24)));
    }

    /** The JCE cipher for {@code transformation}, from SunJCE when it is installed. */
    static javax.crypto.Cipher jdkCipher(String transformation) throws GeneralSecurityException {
        try {
            return javax.crypto.Cipher.getInstance(transformation, PREFERRED_PROVIDER);
        } catch (NoSuchProviderException notInstalled) {
            return javax.crypto.Cipher.getInstance(transformation);
        }
    }

    private static byte[] truncate(byte[] data, int size) {
        return data.length > size ? Arrays.copyOf(data, size) : data;
    }

    /** Something that can tell which JCE provider does its work, for logs and tests. */
    public interface ProviderAware {
        /** The name of the JCE provider behind this cipher; empty before {@code init}. */
        String providerName();
    }

    private record Named(String name, java.util.function.Supplier<Cipher> maker) implements Factory.Named<Cipher> {
        @Override
        public Cipher create() {
            return maker.get();
        }

        @Override
        public String getName() {
            return name;
        }
    }

    /** sshj's GCM logic (per-packet IV counter) with the JCE cipher obtained here instead of from SecurityUtils. */
    static final class JdkGcm extends GcmCipher implements ProviderAware {
        private static final String TRANSFORMATION = "AES/GCM/NoPadding";
        private final int keyBytes;

        JdkGcm(int keyBytes) {
            super(12, 16, keyBytes, "AES", TRANSFORMATION);
            this.keyBytes = keyBytes;
        }

        @Override
        public void init(Mode mode, byte[] key, byte[] iv) {
            try {
                cipher = jdkCipher(TRANSFORMATION);
                initCipher(cipher, mode, truncate(key, keyBytes), truncate(iv, getIVSize()));
            } catch (GeneralSecurityException e) {
                cipher = null;
                throw new SSHRuntimeException(e);
            }
        }

        @Override
        public String providerName() {
            return cipher == null ? "" : cipher.getProvider().getName();
        }
    }

    /** sshj's CTR block cipher with the JCE cipher obtained here instead of from SecurityUtils. */
    static final class JdkCtr extends BlockCipher implements ProviderAware {
        private static final String TRANSFORMATION = "AES/CTR/NoPadding";
        private final int keyBytes;

        JdkCtr(int keyBytes) {
            super(16, keyBytes, "AES", TRANSFORMATION);
            this.keyBytes = keyBytes;
        }

        @Override
        public void init(Mode mode, byte[] key, byte[] iv) {
            try {
                cipher = jdkCipher(TRANSFORMATION);
                initCipher(cipher, mode, truncate(key, keyBytes), truncate(iv, getIVSize()));
            } catch (GeneralSecurityException e) {
                cipher = null;
                throw new SSHRuntimeException(e);
            }
        }

        @Override
        public String providerName() {
            return cipher == null ? "" : cipher.getProvider().getName();
        }
    }
}
