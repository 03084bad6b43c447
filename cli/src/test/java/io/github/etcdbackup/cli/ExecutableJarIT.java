package io.github.etcdbackup.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged command as cron runs it: {@code java -jar etcd-backup.jar} and the wrapper script. */
@Timeout(120)
class ExecutableJarIT {
    @TempDir
    Path dir;

    private static String[] run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(process.exitValue()), out, err};
    }

    @Test
    void theJarRunsWithItsLibrariesBesideItAndExitsWithTheDocumentedCodes() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String[] help = run(List.of(java, "-jar", "target/etcd-backup.jar", "--help"));
        assertThat(help[0]).isEqualTo("0");
        assertThat(help[1]).contains("Usage: etcd-backup", "Exit codes:");

        String[] version = run(List.of(java, "-jar", "target/etcd-backup.jar", "--version"));
        assertThat(version[1]).contains("etcd-backup 0.1.0");

        String[] missing = run(List.of(java, "-jar", "target/etcd-backup.jar", "list", "--dir",
                dir.resolve("none").toString()));
        assertThat(missing[0]).isEqualTo(Integer.toString(ExitCode.FAILURE));
        assertThat(missing[2]).contains("etcd-backup list: LocalStorageException", "no such directory");
    }

    @Test
    void theWrapperScriptFindsTheJar() throws Exception {
        String[] help = run(List.of("sh", "etcd-backup", "--help"));
        assertThat(help[0]).as(help[2]).isEqualTo("0");
        assertThat(help[1]).contains("Usage: etcd-backup");
    }
}
