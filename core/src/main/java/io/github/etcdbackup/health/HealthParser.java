package io.github.etcdbackup.health;

import io.github.etcdbackup.exception.OutputParseException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses etcdctl health text, line by line (grammar of etcd's {@code ctlv2/command/cluster_health.go} and
 * {@code ctlv3/command/ep_command.go}). Lines it does not know (warnings, JSON log lines) are skipped; a text with no
 * member line and no verdict is an error, never an empty success.
 */
final class HealthParser {
    private static final String ID = "([0-9a-fA-F]+)";
    private static final Pattern V2_HEALTHY =
            Pattern.compile("member " + ID + " is healthy: got healthy result from (\\S+)");
    private static final Pattern V2_UNHEALTHY =
            Pattern.compile("member " + ID + " is unhealthy: got unhealthy result from (\\S+)");
    private static final Pattern V2_CHECK_FAILED =
            Pattern.compile("failed to check the health of member " + ID + " on (\\S+?): (.*)");
    private static final Pattern V2_UNREACHABLE_URLS =
            Pattern.compile("member " + ID + " is unreachable: \\[([^\\]]*)\\] are all unreachable");
    private static final Pattern V2_UNREACHABLE_NO_URLS =
            Pattern.compile("member " + ID + " is unreachable: no available published client urls");
    /** etcd 3.4 says "degraded" when some but not all members answer; older etcdctl said "healthy" then. */
    private static final Pattern V2_VERDICT = Pattern.compile("cluster is (?:healthy|unhealthy|degraded)");
    private static final Pattern V3_ENDPOINT =
            Pattern.compile("(\\w+://\\S+) is (healthy|unhealthy): (.*)");
    private static final Pattern V3_VERDICT = Pattern.compile("Error: unhealthy cluster");
    /** What the charm returns when etcdctl exits non-zero: a Python dict repr with a status text. */
    private static final Pattern CHARM_ERROR = Pattern.compile("\\{'status': '([^']*)'.*\\}");

    private HealthParser() {
    }

    /** Parses the text; see the class comment. */
    public static HealthReport parse(String unit, String output) {
        String text = output == null ? "" : output;
        List<MemberHealth> members = new ArrayList<>();
        Map<String, String> checkErrors = new HashMap<>();
        String verdict = "";
        HealthReport.Format format = null;
        for (String rawLine : text.split("\\R")) {
            String line = rawLine.strip();
            Matcher m;
            if ((m = V2_HEALTHY.matcher(line)).matches()) {
                members.add(new MemberHealth(m.group(1), m.group(2), MemberState.HEALTHY, detail(line)));
                format = HealthReport.Format.CLUSTER_HEALTH_V2;
            } else if ((m = V2_UNHEALTHY.matcher(line)).matches()) {
                members.add(new MemberHealth(m.group(1), m.group(2), MemberState.UNHEALTHY, detail(line)));
                format = HealthReport.Format.CLUSTER_HEALTH_V2;
            } else if ((m = V2_CHECK_FAILED.matcher(line)).matches()) {
                checkErrors.put(m.group(1), m.group(3));
                format = HealthReport.Format.CLUSTER_HEALTH_V2;
            } else if ((m = V2_UNREACHABLE_URLS.matcher(line)).matches()) {
                String[] urls = m.group(2).strip().split("\\s+");
                members.add(new MemberHealth(m.group(1), urls[0], MemberState.UNREACHABLE,
                        checkErrors.getOrDefault(m.group(1), detail(line))));
                format = HealthReport.Format.CLUSTER_HEALTH_V2;
            } else if ((m = V2_UNREACHABLE_NO_URLS.matcher(line)).matches()) {
                members.add(new MemberHealth(m.group(1), "", MemberState.UNREACHABLE, detail(line)));
                format = HealthReport.Format.CLUSTER_HEALTH_V2;
            } else if (V2_VERDICT.matcher(line).matches()) {
                verdict = line;
                format = HealthReport.Format.CLUSTER_HEALTH_V2;
            } else if ((m = V3_ENDPOINT.matcher(line)).matches()) {
                MemberState state = m.group(2).equals("healthy") ? MemberState.HEALTHY : MemberState.UNHEALTHY;
                members.add(new MemberHealth(m.group(1), m.group(1), state, m.group(3)));
                format = format == null ? HealthReport.Format.ENDPOINT_HEALTH_V3 : format;
            } else if (V3_VERDICT.matcher(line).matches()) {
                verdict = line;
                format = format == null ? HealthReport.Format.ENDPOINT_HEALTH_V3 : format;
            } else if ((m = CHARM_ERROR.matcher(line)).matches() && members.isEmpty()) {
                verdict = m.group(1);
                format = HealthReport.Format.CHARM_ERROR;
            }
        }
        if (format == null) {
            throw new OutputParseException(
                    "No etcdctl health line (member ..., cluster is ..., URL is healthy) in the output from " + unit,
                    text, null);
        }
        return new HealthReport(unit, members, verdict, format, text);
    }

    private static String detail(String line) {
        int colon = line.indexOf(": ");
        return colon < 0 ? "" : line.substring(colon + 2);
    }
}
