package io.github.etcdbackup.transport.jujucli.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #16, point 9: a {@code juju} that prints 500 MB of garbage, against a JVM with a 64 MiB heap (a child JVM, so
 * that an {@code OutOfMemoryError} fails this test instead of the build). Before the fix the 64 MiB cap per stream
 * grew its buffer by doubling and the text was copied again as UTF-16: out of memory. Now: an
 * {@code OutputParseException} as soon as the cap is passed, whose {@code rawOutput()} keeps a bounded head and tail.
 */
@Timeout(120)
class FloodChecks {
    private static final long FLOOD_BYTES = 500_000_000L;
    private static final Pattern LINE =
            Pattern.compile("result=(\\S+) rawOutputChars=(-?\\d+) peakHeapBytes=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void aJujuThatFloodsStdoutIsAParseErrorWithinA64MiBHeap() throws Exception {
        ScriptedJuju juju = new ScriptedJuju(dir.resolve("juju")).flood("status", 1, FLOOD_BYTES);
        Path log = dir.resolve("child.log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(java.toString(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), FloodInAChildProcess.class.getName(),
                juju.executable().toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Ledger.FAULTS_INJECTED.incrementAndGet();
        boolean ended = child.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            child.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        assertThat(ended).as("the child JVM ended; its output:%n%s", output).isTrue();
        Matcher m = LINE.matcher(output);
        assertThat(m.find()).as("the child's result line in:%n%s", output).isTrue();
        if (!m.group(1).equals("OutputParseException")) {
            Ledger.UNTYPED_ERRORS.incrementAndGet();
        }
        assertThat(m.group(1)).as(output).isEqualTo("OutputParseException");
        Ledger.TYPED_ERRORS.incrementAndGet();
        Ledger.FLOOD_PEAK_HEAP.set(Long.parseLong(m.group(3)));
        Ledger.FLOOD_RAW_OUTPUT_CHARS.set(Long.parseLong(m.group(2)));
        assertThat(Long.parseLong(m.group(2))).as("rawOutput() chars").isBetween(1L, 256L * 1024);
        assertThat(Leaks.checkProcesses(juju)).isEmpty();
    }
}
