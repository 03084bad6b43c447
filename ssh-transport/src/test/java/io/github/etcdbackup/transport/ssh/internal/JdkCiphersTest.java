package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.transport.cipher.Cipher;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.Security;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The transport's ciphers come from SunJCE even when BouncyCastle is installed, even as the first provider. */
@Timeout(30)
class JdkCiphersTest {
    @Test
    void everyCipherIsSunJceEvenWithBouncyCastleFirst() {
        boolean added = Security.getProvider("BC") == null;
        if (added) {
            Security.insertProviderAt(new BouncyCastleProvider(), 1);
        }
        try {
            for (Factory.Named<Cipher> factory : JdkCiphers.preferred()) {
                Cipher cipher = factory.create();
                cipher.init(Cipher.Mode.Encrypt, new byte[64], new byte[64]);
                assertThat(((JdkCiphers.ProviderAware) cipher).providerName()).as(factory.getName())
                        .isEqualTo("SunJCE");
            }
        } finally {
            if (added) {
                Security.removeProvider("BC");
            }
        }
    }

    @Test
    void gcmEncryptsAndDecryptsPacketAfterPacket() {
        for (Factory.Named<Cipher> factory : JdkCiphers.preferred()) {
            if (!factory.getName().contains("gcm")) {
                continue;
            }
            byte[] key = new byte[32];
            byte[] iv = new byte[12];
            Arrays.fill(key, (byte) 7);
            Cipher encrypt = factory.create();
            Cipher decrypt = factory.create();
            encrypt.init(Cipher.Mode.Encrypt, key, iv);
            decrypt.init(Cipher.Mode.Decrypt, key, iv);
            for (int packet = 0; packet < 3; packet++) {
                byte[] data = new byte[4 + 32 + 16];
                Arrays.fill(data, 4, 36, (byte) packet);
                encrypt.updateAAD(data, 0, 4);
                encrypt.update(data, 4, 32);
                decrypt.updateAAD(data, 0, 4);
                decrypt.update(data, 4, 32);
                byte[] expected = new byte[32];
                Arrays.fill(expected, (byte) packet);
                assertThat(Arrays.copyOfRange(data, 4, 36)).as(factory.getName()).isEqualTo(expected);
            }
        }
    }
}
