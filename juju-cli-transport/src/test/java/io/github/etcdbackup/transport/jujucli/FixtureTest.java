package io.github.etcdbackup.transport.jujucli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.health.MemberHealth;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.status.UnitStatus;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.spi.ModelOperations;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Every fixture of {@code shared/fixtures/juju/} replayed through the fake {@code juju}, as written and with CRLF line
 * endings, checked against {@code expected.json} through the public API, with the argv the transport used.
 */
@Timeout(60)
class FixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    static Stream<Arguments> fixtures() {
        List<Arguments> arguments = new ArrayList<>();
        for (Map.Entry<String, JsonNode> file : Fixtures.expectedFiles().properties()) {
            arguments.add(Arguments.of(file.getKey(), file.getValue().path("kind").asText(), false));
            arguments.add(Arguments.of(file.getKey(), file.getValue().path("kind").asText(), true));
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} ({1}, CRLF={2})")
    @MethodSource("fixtures")
    void fixtureGivesTheExpectedValues(String name, String kind, boolean crlf) {
        JsonNode expected = Fixtures.expectedFiles().get(name);
        FakeJuju juju = new FakeJuju(dir);
        if (expected.has("juju")) {
            juju.jujuVersion(expected.get("juju").asText().equals("2.9") ? "2.9" : "3.x");
        }
        String stdout = Fixtures.text(name);
        if (crlf) {
            stdout = stdout.replace("\r\n", "\n").replace("\n", "\r\n");
        }
        String stderr = expected.has("stderrFile") ? Fixtures.text(expected.get("stderrFile").asText()) : "";
        juju.answer(stdout.getBytes(StandardCharsets.UTF_8), stderr, expected.path("cliExitCode").asInt());
        if (kind.equals("action") && expected.get("juju").asText().equals("2.9")) {
            // The transport queues with run-action and waits with show-action-output ID --wait (#18 point 10).
            if (expected.path("wrapped").asBoolean(true)) {
                juju.answer29(stdout, stderr, expected.path("cliExitCode").asInt());
            } else {
                juju.answerFor("run-action", "Action queued with id: \"" + expected.at("/tasks/0/id").asText()
                        + "\"\n", "", 0);
            }
        }

        switch (kind) {
            case "action" -> checkAction(juju, expected);
            case "status" -> checkStatus(juju, expected);
            case "version" -> checkVersion(juju, expected);
            case "action-queued" -> checkQueued(juju, expected);
            case "action-plain" -> checkPlain(juju, expected, stdout);
            case "cli-error" -> checkCliError(juju, expected);
            default -> throw new AssertionError("no check for kind " + kind + " of " + name);
        }
    }

    /** The command of a fixture, e.g. {@code juju run etcd/0 snapshot keys-version=v3 --wait=10m --format yaml}. */
    private record FixtureCommand(String subcommand, String unit, String action, Map<String, String> params) {
        static FixtureCommand of(JsonNode expected) {
            List<String> words = Arrays.asList(expected.get("command").asText().split("\\s+"));
            Map<String, String> params = new LinkedHashMap<>();
            for (String word : words.subList(4, words.size())) {
                if (word.startsWith("-") || word.startsWith("(")) {
                    break;
                }
                params.put(word.substring(0, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
            }
            return new FixtureCommand(words.get(1), words.get(2), words.size() > 3 ? words.get(3) : "", params);
        }
    }

    private void checkAction(FakeJuju juju, JsonNode expected) {
        boolean juju2 = expected.get("juju").asText().equals("2.9");
        JsonNode tasks = expected.get("tasks");
        try (JujuCliTransport transport = juju.transport()) {
            if (!expected.path("wrapped").asBoolean(true)) {
                String id = tasks.get(0).get("id").asText();
                ActionResult task = transport.showAction(id);
                assertThat(juju.command()).containsExactly(juju2 ? "show-action-output" : "show-task", id,
                        "--format", "yaml");
                checkTask(task, tasks.get(0));
                checkSnapshot(transport, juju, tasks.get(0), "etcd/0", KeysVersion.V3);
                return;
            }
            FixtureCommand command = FixtureCommand.of(expected);
            List<ActionResult> results = transport.runAction(List.of(command.unit()), command.action(),
                    command.params(), WAIT);
            List<String> argv = new ArrayList<>(List.of(juju2 ? "run-action" : "run", command.unit(),
                    command.action()));
            command.params().forEach((k, v) -> argv.add(k + "=" + v));
            if (juju2) {
                argv.addAll(List.of("--format", "yaml"));
                assertThat(juju.commands()).containsExactly(argv, List.of("show-action-output",
                        tasks.get(0).get("id").asText(), "--wait=60s", "--format", "yaml"));
            } else {
                argv.addAll(List.of("--wait=60s", "--format", "yaml"));
                assertThat(juju.command()).isEqualTo(argv);
            }

            assertThat(results).hasSize(tasks.size());
            for (int i = 0; i < tasks.size(); i++) {
                checkTask(results.get(i), tasks.get(i));
            }
            JsonNode task = tasks.get(0);
            switch (command.action()) {
                case "snapshot" -> checkSnapshot(transport, juju, task, command.unit(),
                        "v2".equals(command.params().get("keys-version")) ? KeysVersion.V2 : KeysVersion.V3);
                case "health" -> checkHealth(transport, task, command.unit());
                case "restore" -> checkRestore(transport, task, command.unit());
                default -> throw new AssertionError("unexpected action " + command.action());
            }
        }
    }

    private static void checkTask(ActionResult task, JsonNode expected) {
        assertThat(task.unit()).hasValue(expected.get("unit").asText());
        assertThat(task.id()).hasValue(expected.get("id").asText());
        assertThat(task.status()).isEqualTo(expected.get("status").asText());
        if (expected.get("message").isNull()) {
            assertThat(task.message()).isEmpty();
        } else {
            assertThat(task.message()).hasValue(expected.get("message").asText());
        }
        if (expected.get("returnCode").isNull()) {
            assertThat(task.returnCode()).isEmpty();
        } else {
            assertThat(task.returnCode()).hasValue(expected.get("returnCode").asInt());
        }
        assertThat(task.succeeded()).isEqualTo(expected.get("succeeded").asBoolean());
        assertThat(task.finished()).isTrue();
        Map<String, Object> results = JSON.convertValue(expected.get("results"), new TypeReference<>() { });
        assertThat(task.results()).isEqualTo(results);
    }

    /** Snapshot values through {@code takeSnapshot}; a failed snapshot is an {@code ActionFailedException}. */
    private static void checkSnapshot(JujuCliTransport transport, FakeJuju juju, JsonNode task, String unit,
                                      KeysVersion keys) {
        SnapshotRequest request = SnapshotRequest.builder().unit(unit).keysVersion(keys).build();
        if (!task.get("succeeded").asBoolean()) {
            assertActionFailed(() -> transport.takeSnapshot(request, deadline()), task);
            return;
        }
        Snapshot snapshot = transport.takeSnapshot(request, deadline());
        List<String> last = juju.commands().stream().filter(c -> c.get(0).startsWith("run"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(last).containsSubsequence(unit, "snapshot", "keys-version=" + keys.parameter(),
                "target=" + SnapshotRequest.DEFAULT_TARGET, "--format", "yaml");
        JsonNode expected = task.get("snapshot");
        assertThat(snapshot.unit()).isEqualTo(task.get("unit").asText());
        assertThat(snapshot.actionId()).hasValue(task.get("id").asText());
        assertThat(snapshot.remotePath()).isEqualTo(expected.get("path").asText());
        assertThat(snapshot.archiveName()).isEqualTo(expected.get("archiveName").asText());
        assertThat(snapshot.sha256()).isEqualTo(expected.get("sha256").asText());
        assertThat(snapshot.sizeText()).isEqualTo(expected.get("sizeRaw").asText());
        assertThat((double) snapshot.approximateSizeBytes())
                .isCloseTo(expected.get("sizeBytesApprox").asDouble(), within(expected.get("sizeBytesApprox").asDouble() / 100));
        assertThat(snapshot.etcdctlVersion()).isEqualTo(expected.get("etcdctlVersion").asText());
        assertThat(snapshot.apiVersion()).isEqualTo(expected.get("apiVersion").asText());
        assertThat(snapshot.keysVersion()).isEqualTo(keys);
        assertThat(task.at("/results/copy/cmd").asText()).isEqualTo(expected.get("copyCmd").asText());
    }

    private static void checkHealth(JujuCliTransport transport, JsonNode task, String unit) {
        JsonNode expected = task.get("health");
        HealthReport report = HealthReport.parse(unit, transport.healthOutput(unit, deadline()));
        assertThat(report.members()).extracting(MemberHealth::id, m -> m.state().name().toLowerCase(Locale.ROOT),
                        MemberHealth::url)
                .containsExactlyElementsOf(() -> {
                    List<org.assertj.core.groups.Tuple> tuples = new ArrayList<>();
                    expected.get("members").forEach(m -> tuples.add(org.assertj.core.groups.Tuple.tuple(
                            m.get("id").asText(), m.get("state").asText(), m.get("url").asText())));
                    return tuples.iterator();
                });
        assertThat(report.clusterLine()).isEqualTo(expected.get("clusterLine").asText());
        assertThat(report.allMembersHealthy()).isEqualTo(expected.get("allMembersHealthy").asBoolean());
        String source = expected.get("source").asText();
        assertThat(task.at("/results/" + source.replace('.', '/')).isTextual()).isTrue();
    }

    private static void checkRestore(JujuCliTransport transport, JsonNode task, String unit) {
        ModelOperations model = transport.model().orElseThrow();
        if (!task.get("succeeded").asBoolean()) {
            assertActionFailed(() -> model.runRestore(unit, Map.of(), deadline()), task);
        } else {
            assertThat(model.runRestore(unit, Map.of(), deadline())).isEmpty();
        }
    }

    private static void assertActionFailed(Runnable call, JsonNode task) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ActionFailedException.class, e -> {
            assertThat(e.unit()).isEqualTo(task.get("unit").asText());
            assertThat(e.actionId()).hasValue(task.get("id").asText());
            assertThat(e.status()).isEqualTo(task.get("status").asText());
            assertThat(e.actionMessage()).isEqualTo(task.get("message").asText(""));
            if (task.get("returnCode").isNull()) {
                assertThat(e.returnCode()).isEmpty();
            } else {
                assertThat(e.returnCode()).hasValue(task.get("returnCode").asInt());
            }
        });
    }

    /**
     * A command Juju answered with an error (exit code as the fixture says): a snapshot through the public API throws
     * the fixture's {@code expectException} (or a subclass), never its {@code rejectException}, with a message that
     * holds {@code messageContains}.
     */
    private void checkCliError(FakeJuju juju, JsonNode expected) {
        assertThat(expected.path("timedOut").asBoolean()).as("cli-error fixtures that time out have no check yet")
                .isFalse();
        FixtureCommand command = FixtureCommand.of(expected);
        Class<?> wanted = exceptionClass(expected.get("expectException").asText());
        Class<?> rejected = exceptionClass(expected.get("rejectException").asText());
        try (JujuCliTransport transport = juju.transport()) {
            SnapshotRequest request = SnapshotRequest.builder().unit(command.unit())
                    .keysVersion(KeysVersion.valueOf(command.params().get("keys-version").toUpperCase(Locale.ROOT)))
                    .build();
            assertThatThrownBy(() -> transport.takeSnapshot(request, deadline()))
                    .isInstanceOf(wanted).isNotInstanceOf(rejected)
                    .hasMessageContaining(expected.get("messageContains").asText());
        }
    }

    private static Class<?> exceptionClass(String simpleName) {
        try {
            return Class.forName("io.github.etcdbackup.exception." + simpleName);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("no exception " + simpleName + " in io.github.etcdbackup.exception", e);
        }
    }

    private void checkStatus(FakeJuju juju, JsonNode expected) {
        try (JujuCliTransport transport = juju.transport()) {
            ModelStatus status = transport.model().orElseThrow().status(deadline());
            assertThat(juju.command()).containsExactly("status", "--format", "yaml");
            assertThat(status.name()).isEqualTo(expected.get("model").asText());
            assertThat(status.jujuVersion()).isEqualTo(expected.get("modelVersion").asText());
            assertThat(status.applications()).extracting(ApplicationStatus::name)
                    .containsExactlyElementsOf(iterable(expected.get("applications").fieldNames()));
            expected.get("applications").properties().forEach(app -> {
                ApplicationStatus actual = status.application(app.getKey()).orElseThrow();
                JsonNode want = app.getValue();
                assertThat(actual.charmName()).isEqualTo(want.get("charmName").asText());
                assertThat(actual.charmRevision()).hasValue(want.get("charmRev").asInt());
                assertThat(actual.status()).isEqualTo(want.get("status").asText());
                assertThat(actual.message()).isEqualTo(want.get("message").asText());
                assertThat(actual.workloadVersion()).isEqualTo(want.get("workloadVersion").asText());
                assertThat(actual.units()).hasSize(want.get("units").size());
                for (int i = 0; i < actual.units().size(); i++) {
                    UnitStatus unit = actual.units().get(i);
                    JsonNode u = want.get("units").get(i);
                    assertThat(unit.name()).isEqualTo(u.get("name").asText());
                    assertThat(unit.workload()).isEqualTo(u.get("workload").asText());
                    assertThat(unit.workloadMessage()).isEqualTo(u.get("workloadMessage").asText());
                    assertThat(unit.agent()).isEqualTo(u.get("agent").asText());
                    assertThat(unit.leader()).isEqualTo(u.get("leader").asBoolean());
                    assertThat(unit.machine()).isEqualTo(u.get("machine").asText());
                    assertThat(unit.publicAddress()).isEqualTo(u.get("publicAddress").asText());
                    assertThat(unit.openPorts()).isEqualTo(JSON.convertValue(u.get("openPorts"),
                            new TypeReference<List<String>>() { }));
                }
                assertThat(actual.relations()).containsEntry("db", List.of("calico", "kubernetes-control-plane"))
                        .containsEntry("cluster", List.of("etcd")).containsEntry("certificates", List.of("easyrsa"));
                assertThat(actual.charmChannel()).endsWith("/stable");
                assertThat(actual.base()).isIn("jammy", "ubuntu@22.04");
            });
        }
    }

    private static <T> List<T> iterable(Iterator<T> iterator) {
        List<T> list = new ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }

    private void checkVersion(FakeJuju juju, JsonNode expected) {
        String dialect = expected.get("major").asInt() == 2 ? "2.9" : "3.x";
        juju.jujuVersion(dialect);
        try (JujuCliTransport transport = juju.transport()) {
            JujuVersion version = transport.version();
            assertThat(version.raw()).isEqualTo(expected.get("raw").asText());
            assertThat(version.major()).isEqualTo(expected.get("major").asInt());
            assertThat(version.minor()).isEqualTo(expected.get("minor").asInt());
            if (expected.get("patch").isNull()) {
                assertThat(version.patch()).isEmpty();
            } else {
                assertThat(version.patch()).hasValue(expected.get("patch").asInt());
            }
            assertThat(transport.version()).isSameAs(version);
            assertThat(juju.calls()).containsExactly(List.of("version"));
        }
    }

    /** {@code run-action} without {@code --wait} only queues: the id is reported, never an empty success. */
    private void checkQueued(FakeJuju juju, JsonNode expected) {
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of("etcd/0"), "snapshot", Map.of(), WAIT))
                    .isInstanceOf(OutputParseException.class)
                    .hasMessageContaining("queued action " + expected.get("actionId").asText());
        }
    }

    /** Juju 3's plain format is recognised and refused with the raw text (the library always asks for YAML). */
    private void checkPlain(FakeJuju juju, JsonNode expected, String stdout) {
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of("etcd/0"), "snapshot", Map.of(), WAIT))
                    .isInstanceOfSatisfying(OutputParseException.class, e -> {
                        assertThat(e.rawOutput()).isEqualTo(stdout);
                        assertThat(e.getMessage()).contains("plain");
                    });
            assertThat(stdout).contains(expected.at("/snapshot/sha256").asText());
        }
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }
}
