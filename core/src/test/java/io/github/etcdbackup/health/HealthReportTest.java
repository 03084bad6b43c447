package io.github.etcdbackup.health;

import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.testing.FakeTransport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthReportTest {

    /** Every task in expected.json that carries a {@code health} expectation. */
    static Stream<String> fixturesWithHealth() {
        List<String> names = new ArrayList<>();
        Fixtures.expectedFiles().fields().forEachRemaining(entry -> {
            for (JsonNode task : entry.getValue().path("tasks")) {
                if (task.has("health")) {
                    names.add(entry.getKey());
                }
            }
        });
        assertThat(names).hasSizeGreaterThanOrEqualTo(3);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("fixturesWithHealth")
    void everyHealthFixtureParsesToItsExpectedMembers(String fixture) {
        JsonNode task = Fixtures.expectedFiles().get(fixture).get("tasks").get(0);
        JsonNode expected = task.get("health");
        String source = expected.get("source").asText();
        String text = source.equals("output")
                ? task.get("results").get("output").asText()
                : task.get("results").get("result-map").get("message").asText();

        HealthReport report = HealthReport.parse(task.get("unit").asText(), text);

        List<String> actualMembers = report.members().stream()
                .map(m -> m.id() + " " + m.state().name().toLowerCase() + " " + m.url()).toList();
        List<String> expectedMembers = new ArrayList<>();
        expected.get("members").forEach(m -> expectedMembers.add(
                m.get("id").asText() + " " + m.get("state").asText() + " " + m.get("url").asText()));
        assertThat(actualMembers).containsExactlyElementsOf(expectedMembers);
        assertThat(report.clusterLine()).isEqualTo(expected.get("clusterLine").asText());
        assertThat(report.allMembersHealthy()).isEqualTo(expected.get("allMembersHealthy").asBoolean());
        assertThat(report.format()).isEqualTo(HealthReport.Format.CLUSTER_HEALTH_V2);
        assertThat(report.rawOutput()).isEqualTo(text);
    }

    @Test
    void aDeadMemberUnderClusterIsHealthyIsNotHealthy() {
        String text = """
                member 43169a5b3de9bf3c is healthy: got healthy result from https://10.32.17.22:2379
                failed to check the health of member e41a25f160409683 on https://10.32.17.21:2379: Get https://10.32.17.21:2379/health: dial tcp 10.32.17.21:2379: connect: connection refused
                member e41a25f160409683 is unreachable: [https://10.32.17.21:2379] are all unreachable
                member e4e0f1d123d345ff is unhealthy: got unhealthy result from https://10.32.17.23:2379
                cluster is healthy
                """;
        HealthReport report = HealthReport.parse("etcd/0", text);

        assertThat(report.clusterLine()).isEqualTo("cluster is healthy");
        assertThat(report.allMembersHealthy()).isFalse();
        assertThat(report.members()).extracting(MemberHealth::state)
                .containsExactly(MemberState.HEALTHY, MemberState.UNREACHABLE, MemberState.UNHEALTHY);
        MemberHealth unreachable = report.members().get(1);
        assertThat(unreachable.id()).isEqualTo("e41a25f160409683");
        assertThat(unreachable.url()).isEqualTo("https://10.32.17.21:2379");
        assertThat(unreachable.detail()).contains("connection refused");
        assertThat(report.unhealthyMembers()).hasSize(2);
    }

    @Test
    void etcd34SaysDegradedWhenAMemberIsDown() {
        HealthReport report = HealthReport.parse("etcd/0", """
                member 43169a5b3de9bf3c is healthy: got healthy result from https://127.0.0.1:41001
                failed to check the health of member e41a25f160409683 on https://127.0.0.1:41002: Get "https://127.0.0.1:41002/health": dial tcp 127.0.0.1:41002: connect: connection refused
                member e41a25f160409683 is unreachable: [https://127.0.0.1:41002] are all unreachable
                cluster is degraded
                """);
        assertThat(report.clusterLine()).isEqualTo("cluster is degraded");
        assertThat(report.allMembersHealthy()).isFalse();
        assertThat(report.members()).extracting(MemberHealth::state)
                .containsExactly(MemberState.HEALTHY, MemberState.UNREACHABLE);
    }

    @Test
    void unreachableWithoutPublishedUrlsHasAnEmptyUrl() {
        HealthReport report = HealthReport.parse("etcd/0", """
                member 8e9e05c52164694d is unreachable: no available published client urls
                cluster is unhealthy
                """);
        assertThat(report.members()).singleElement()
                .satisfies(m -> assertThat(m.url()).isEmpty())
                .satisfies(m -> assertThat(m.state()).isEqualTo(MemberState.UNREACHABLE));
        assertThat(report.allMembersHealthy()).isFalse();
    }

    @Test
    void allHealthyMembersWithoutAVerdictLineAreNotEnough() {
        HealthReport report = HealthReport.parse("etcd/0",
                "member 43169a5b3de9bf3c is healthy: got healthy result from https://10.32.17.22:2379\n");
        assertThat(report.allMembersHealthy()).isFalse();
    }

    @Test
    void aVerdictWithoutMembersIsNotHealthy() {
        assertThat(HealthReport.parse("etcd/0", "cluster is healthy\n").allMembersHealthy()).isFalse();
    }

    @Test
    void etcdctlV3EndpointHealthIsJudgedPerEndpoint() {
        HealthReport healthy = HealthReport.parse("etcd/0", """
                https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 2.046127ms
                https://127.0.0.1:22379 is healthy: successfully committed proposal: took = 1.9ms
                """);
        assertThat(healthy.format()).isEqualTo(HealthReport.Format.ENDPOINT_HEALTH_V3);
        assertThat(healthy.members()).extracting(MemberHealth::url)
                .containsExactly("https://127.0.0.1:2379", "https://127.0.0.1:22379");
        assertThat(healthy.allMembersHealthy()).isTrue();

        HealthReport broken = HealthReport.parse("etcd/0", """
                {"level":"warn","ts":"2024-03-12T10:00:00Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying"}
                https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 2.046127ms
                https://127.0.0.1:22379 is unhealthy: failed to commit proposal: context deadline exceeded
                Error: unhealthy cluster
                """);
        assertThat(broken.allMembersHealthy()).isFalse();
        assertThat(broken.clusterLine()).isEqualTo("Error: unhealthy cluster");
        assertThat(broken.members().get(1).detail()).isEqualTo("failed to commit proposal: context deadline exceeded");
    }

    @Test
    void theCharmsOwnErrorTextIsAnUnhealthyReport() {
        HealthReport report = HealthReport.parse("etcd/0",
                "{'status': 'cluster is unhealthy see log file for details.', 'units': []}\n");
        assertThat(report.format()).isEqualTo(HealthReport.Format.CHARM_ERROR);
        assertThat(report.clusterLine()).isEqualTo("cluster is unhealthy see log file for details.");
        assertThat(report.allMembersHealthy()).isFalse();
    }

    @Test
    void crlfLineEndingsParseTheSame() {
        HealthReport report = HealthReport.parse("etcd/0", FakeTransport.HEALTHY.replace("\n", "\r\n"));
        assertThat(report.members()).hasSize(2);
        assertThat(report.allMembersHealthy()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "Error: context deadline exceeded", "garbage\u0000\u0001",
            "member xyz is healthy: got healthy result from", "cluster is maybe healthy"})
    void textWithoutAnyHealthLineIsAParseError(String text) {
        assertThatThrownBy(() -> HealthReport.parse("etcd/0", text))
                .isInstanceOf(OutputParseException.class)
                .satisfies(e -> assertThat(((OutputParseException) e).rawOutput()).isEqualTo(text));
    }
}
