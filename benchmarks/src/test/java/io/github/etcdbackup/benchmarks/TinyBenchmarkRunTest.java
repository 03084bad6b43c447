package io.github.etcdbackup.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every benchmark, run tiny (a 4 MiB archive, one round, one cluster), so that the harness cannot rot between the
 * runs that measure (issue 22). Its figures are printed and never judged: a missed goal is fine here. What must hold
 * is that every section ran to its end and every file it downloaded, uploaded or copied verified.
 */
@Timeout(900)
class TinyBenchmarkRunTest {
    private static final List<String> SECTIONS = List.of("## 1-2.", "## 3.", "## 4.", "## 5.", "## 6.", "## 7.",
            "## 8.", "## 9.");

    @TempDir
    Path dir;

    @Test
    void everyBenchmarkRunsToItsEndOnATinyArchive() throws Exception {
        Path log = dir.resolve("benchmarks.log");
        // The run as exec:exec starts it, already relaunched (its class path copy is for long runs next to builds).
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dbench.relaunched=true", "-Dbench.dir=" + dir.resolve("bench"), "-Dbench.mib=4",
                "-Dbench.rounds=1", "-Dbench.clusters=1", "-Dbench.keys=50", "-Dbench.calls=1",
                "-Dbench.profile=false", "-Dbench.link.delay.ms=5", "-cp", System.getProperty("java.class.path"),
                Benchmarks.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = run.waitFor(14, TimeUnit.MINUTES);
        if (!ended) {
            run.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        System.out.println(output);

        assertThat(ended).as("the run ended by itself").isTrue();
        assertThat(run.exitValue()).as("exit status").isZero();
        // "FAILED: " is a file that did not verify (Benchmarks.VerificationFailed); a missed goal prints "MISSED".
        assertThat(output).doesNotContain("FAILED: ").contains("summary:");
        for (String section : SECTIONS) {
            assertThat(output).as("section " + section).contains(section);
        }
    }
}
