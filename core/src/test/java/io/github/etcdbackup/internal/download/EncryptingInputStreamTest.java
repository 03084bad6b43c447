package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.testing.AgeKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pull-based age encryption of a stream, at the sizes where age's 64 KiB chunks begin and end. */
class EncryptingInputStreamTest {
    @TempDir
    Path dir;

    @Test
    void everySizeRoundTripsAndAgeItselfDecryptsIt() throws Exception {
        Path key = AgeKeys.keygen(dir, "key.txt");
        AgeIdentities identities = AgeIdentities.fromFile(key);
        int chunk = 64 * 1024;
        for (int size : new int[] {0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 12345, 1024 * 1024 + 7}) {
            byte[] plaintext = AgeKeys.randomBytes(size, size);
            byte[] ciphertext;
            try (InputStream in = new EncryptingInputStream(new ByteArrayInputStream(plaintext),
                    List.of(AgeKeys.recipientOf(key)))) {
                // Small reads too: the stream must serve what it has, whatever the reader asks for.
                ciphertext = readInOddSizes(in);
            }
            try (InputStream in = Age.decrypting(new ByteArrayInputStream(ciphertext), identities, "test")) {
                assertThat(in.readAllBytes()).as("library, %d bytes", size).isEqualTo(plaintext);
            }
            Path encrypted = Files.write(dir.resolve("x.age"), ciphertext);
            Path decrypted = dir.resolve("x");
            AgeKeys.runToFile(List.of("age", "-d", "-i", key.toString(), encrypted.toString()), decrypted);
            assertThat(Files.readAllBytes(decrypted)).as("age -d, %d bytes", size).isEqualTo(plaintext);
        }
    }

    private static byte[] readInOddSizes(InputStream in) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[70_001];
        int[] sizes = {1, 7, 4096, 70_001};
        int i = 0;
        int n;
        while ((n = in.read(buffer, 0, sizes[i++ % sizes.length])) != -1) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
