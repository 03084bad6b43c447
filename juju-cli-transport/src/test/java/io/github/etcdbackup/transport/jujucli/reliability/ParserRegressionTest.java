package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.jujucli.internal.ActionOutputParser;
import io.github.etcdbackup.transport.jujucli.internal.JujuDocuments;
import io.github.etcdbackup.transport.jujucli.internal.JujuErrors;
import io.github.etcdbackup.transport.jujucli.internal.StatusParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Regressions for the parser bugs the reliability suite found (issue 11). */
@Timeout(60)
class ParserRegressionTest {
    @TempDir
    Path dir;

    /** A unit number of 20 digits escaped from the task sort as a NumberFormatException. */
    @Test
    void aHugeUnitNumberIsSortedAsTextNotANumberFormatException() {
        List<ActionResult> tasks = ActionOutputParser.parse("""
                etcd/99999999999999999999:
                  status: completed
                etcd/10:
                  status: completed
                b:
                  status: completed
                  unit: etcd/2
                """);
        assertThat(tasks).extracting(t -> t.unit().orElseThrow())
                .containsExactly("etcd/2", "etcd/10", "etcd/99999999999999999999");
    }

    /** ... and through the transport it ends as a parse error of the snapshot, not as a NumberFormatException. */
    @Test
    void aHugeUnitNumberInASnapshotOutputIsAParseError() {
        ScriptedJuju juju = new ScriptedJuju(dir).answer("run", "etcd/99999999999999999999:\n  status: completed\n"
                + "  results: {snapshot: {path: /x/y.tar.gz, sha256: '" + "a".repeat(64) + "'}}\n");
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/0").build(),
                    Deadline.after(Duration.ofSeconds(30)))).isInstanceOf(OutputParseException.class);
        }
    }

    /** A return code of 20 digits in Juju 3's failure block escaped from runAction as a NumberFormatException. */
    @Test
    void aHugeReturnCodeOnStderrIsNoReturnCode() {
        assertThat(JujuErrors.failedTask("ERROR the following task failed:\n"
                + " - id \"14\" with return code 99999999999999999999\n")).isEmpty();
        assertThat(JujuErrors.failedTask("ERROR the following task failed:\n - id \"14\" with return code -2\n"))
                .hasValueSatisfying(t -> assertThat(t.returnCode()).isEqualTo(-2));
        ScriptedJuju juju = new ScriptedJuju(dir).exit("run", 1).stderr("run",
                "ERROR the following task failed:\n - id \"14\" with return code 99999999999999999999\n");
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/0").build(),
                    Deadline.after(Duration.ofSeconds(30))))
                    .isInstanceOfSatisfying(ActionFailedException.class, e -> {
                        assertThat(e.actionId()).isEmpty();
                        assertThat(e.returnCode()).isEmpty();
                    });
        }
    }

    /**
     * SnakeYAML reads one token of n characters in O(n²): a 32 Mi-character line (under the code point limit) took
     * minutes. Such a token is now refused at once; JSON of any line length is still read.
     */
    @Test
    void aHugeYamlTokenIsRefusedQuicklyAndHugeJsonStillParses() {
        String token = "x".repeat(32 * 1024 * 1024 - 100);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThatThrownBy(() -> ActionOutputParser.parse("etcd/0:\n  status: completed\n  results:\n"
                    + "    stdout: " + token + "\n")).isInstanceOf(OutputParseException.class)
                    .hasMessageContaining("longer than");
            assertThatThrownBy(() -> StatusParser.parse("model: {name: " + token + "}\n"))
                    .isInstanceOf(OutputParseException.class);
        });
        String json = "{\"etcd/0\":{\"status\":\"completed\",\"results\":{\"stdout\":\"" + "y".repeat(4_000_000)
                + "\"}}}";
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThat(ActionOutputParser.parse(json).get(0).stdout()).hasSize(4_000_000));
        assertThat(JujuDocuments.parse("k: " + "z".repeat(200_000) + "\n", "a test").get("k").asText())
                .hasSize(200_000);
    }

    /** The sort key was computed per comparison (a regex and a format each); 20k tasks now sort in linear keys. */
    @Test
    void manyTasksAreSortedByUnitNumber() {
        StringBuilder out = new StringBuilder();
        for (int i = 19_999; i >= 0; i--) {
            out.append("unit-etcd-").append(i).append(":\n  status: completed\n");
        }
        List<ActionResult> tasks = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> ActionOutputParser.parse(out.toString()));
        assertThat(tasks).hasSize(20_000);
        assertThat(tasks.get(0).unit()).hasValue("etcd/0");
        assertThat(tasks.get(19_999).unit()).hasValue("etcd/19999");
    }
}
