package io.github.etcdbackup.transport.jujucli.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A command's output: whole up to the cap; past it, reading stops at once and only a head and a tail are kept. */
class CappedOutputTest {
    private static final int CAP = 300_000;
    private static final int END = CappedOutput.HEAD_AND_TAIL_BYTES;

    /** Endless numbered lines, counting what it delivered. */
    private static final class Endless extends InputStream {
        long delivered;

        @Override
        public int read() {
            return lineByte(delivered++);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            // A trickle: a hostile process need not fill the pipe.
            int n = Math.min(length, 1000);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = (byte) read();
            }
            return n;
        }

        static int lineByte(long position) {
            String line = String.format("line %08d\n", position / 14);
            return line.charAt((int) (position % 14));
        }
    }

    private static String expected(long from, long to) {
        StringBuilder text = new StringBuilder();
        for (long p = from; p < to; p++) {
            text.append((char) Endless.lineByte(p));
        }
        return text.toString();
    }

    @Test
    void anOutputUpToTheCapIsKeptWhole() throws IOException {
        String text = "é".repeat(CAP / 2);
        CappedOutput output = new CappedOutput(CAP);
        assertThat(output.readFrom(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))).isTrue();
        // Not isEqualTo: a failure would print 300 KB.
        assertThat(output.text().equals(text)).as("the whole text, decoded").isTrue();
    }

    @Test
    void aShortOutputIsItsOwnHeadAndTail() throws IOException {
        CappedOutput output = new CappedOutput(CAP);
        assertThat(output.readFrom(new ByteArrayInputStream("ok\n".getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(output.headAndTail()).isEqualTo("ok\n");
    }

    @Test
    void pastTheCapReadingStopsAndOnlyTheHeadAndTailAreKept() throws IOException {
        Endless endless = new Endless();
        CappedOutput output = new CappedOutput(CAP);
        assertThat(output.readFrom(endless)).isFalse();
        assertThat(endless.delivered).isEqualTo(CAP + 1L);
        assertThat(output.headAndTail()).isEqualTo(expected(0, END) + "\n[... " + (CAP + 1 - 2 * END)
                + " bytes left out ...]\n" + expected(CAP + 1 - END, CAP + 1));
    }
}
