package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.InvalidInputException;

import java.util.regex.Pattern;

/** Rules for the etcd values that go into remote commands: URLs, member names, cluster tokens. */
public final class EtcdValues {
    /** http(s), a host name or IPv4/bracketed IPv6 literal, an optional port; nothing a shell could act on. */
    private static final String URL = "https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"
            + "|\\[[0-9A-Fa-f:.]{2,45}])(?::[0-9]{1,5})?";
    private static final Pattern URL_PATTERN = Pattern.compile(URL);
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    private static final Pattern NAME_PATTERN = Pattern.compile(NAME);
    private static final Pattern INITIAL_CLUSTER = Pattern.compile(NAME + "=" + URL + "(?:," + NAME + "=" + URL + ")*");

    private EtcdValues() {
    }

    /** An etcd client or peer URL such as {@code https://127.0.0.1:2379}. */
    public static String url(String field, String value) {
        if (value == null || !URL_PATTERN.matcher(value).matches()) {
            throw new InvalidInputException(field, value, "expected an etcd URL such as https://127.0.0.1:2379");
        }
        return value;
    }

    /** A member name or cluster token: letters, digits, '.', '_' and '-'. */
    static String name(String field, String value) {
        if (value == null || !NAME_PATTERN.matcher(value).matches()) {
            throw new InvalidInputException(field, value, "expected letters, digits, '.', '_' and '-'");
        }
        return value;
    }

    /** {@code name=peerUrl[,name=peerUrl...]}. */
    static String initialCluster(String value) {
        if (value == null || value.length() > 8192 || !INITIAL_CLUSTER.matcher(value).matches()) {
            throw new InvalidInputException("initial cluster", value,
                    "expected name=peerUrl pairs separated by commas, e.g. etcd0=https://10.0.0.5:2380");
        }
        return value;
    }
}
