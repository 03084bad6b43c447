package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.exception.InvalidInputException;

import java.util.regex.Pattern;

/** Rules for the SSH values a user gives the builder; checked when given, long before any connection. */
final class SshNames {
    /** A DNS name or an IPv4 literal, or an IPv6 literal without brackets; never starts with '-' (an ssh option). */
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45}");
    /** POSIX portable user names (what useradd accepts by default). */
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");

    private SshNames() {
    }

    static String host(String host) {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new InvalidInputException("host", host, "expected a host name, an IPv4 or an IPv6 address");
        }
        return host;
    }

    static int port(int port) {
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("port", Integer.toString(port), "expected 1 to 65535");
        }
        return port;
    }

    static String user(String user) {
        if (user == null || !USER.matcher(user).matches()) {
            throw new InvalidInputException("user", user,
                    "expected a login name of lowercase letters, digits, '_', '.' and '-', not starting with '-'");
        }
        return user;
    }
}
