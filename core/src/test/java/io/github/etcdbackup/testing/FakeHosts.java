package io.github.etcdbackup.testing;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.exception.TransportException;

import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hosts reached directly, in memory: each has an address, an etcd version, a service that runs or not, files and a
 * data dir. Every change is logged in {@link #calls} as {@code action unit}, and faults can be set per call.
 */
public final class FakeHosts implements HostOperations {
    public final Map<String, String> addresses = new ConcurrentHashMap<>();
    public final Map<String, String> versions = new ConcurrentHashMap<>();
    public final Set<String> running = ConcurrentHashMap.newKeySet();
    /** unit + ":" + path to SHA-256. */
    public final Map<String, String> files = new ConcurrentHashMap<>();
    /** unit to the member it was last restored as. */
    public final Map<String, Member> restored = new ConcurrentHashMap<>();
    public final List<String> calls = new CopyOnWriteArrayList<>();
    /** Calls ({@code action unit}) that throw once. */
    public final Set<String> failOnce = ConcurrentHashMap.newKeySet();
    /** Calls that take effect and then throw once, as when the connection drops after the command ran. */
    public final Set<String> failOnceAfterEffect = ConcurrentHashMap.newKeySet();

    /** Units {@code etcd/0..n-1} at 10.0.0.(10+i), running etcd {@code version}. */
    public static FakeHosts of(int units, String version) {
        FakeHosts hosts = new FakeHosts();
        for (int i = 0; i < units; i++) {
            hosts.addresses.put("etcd/" + i, "10.0.0." + (10 + i));
            hosts.versions.put("etcd/" + i, version);
            hosts.running.add("etcd/" + i);
        }
        return hosts;
    }

    /** An etcd name or token: what the SSH transport accepts in a command line. */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final java.util.regex.Pattern CLUSTER = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9._-]*=https?://[A-Za-z0-9.:\\[\\]-]+(,[A-Za-z0-9][A-Za-z0-9._-]*=https?://"
                    + "[A-Za-z0-9.:\\[\\]-]+)*");

    /** What every call does first, as the SSH transport does: its deadline, then its values. */
    private static void check(Deadline deadline, String unit, String... remotePaths) {
        InputValidation.unit(unit);
        for (String path : remotePaths) {
            InputValidation.remotePath(path);
        }
        deadline.check("host call on " + unit);
    }

    private static void checkMember(Member member) {
        if (!PLAIN.matcher(member.name()).matches() || !PLAIN.matcher(member.clusterToken()).matches()
                || !CLUSTER.matcher(member.initialCluster()).matches()) {
            throw new InvalidInputException("member", member.toString(), "names, tokens and URLs only");
        }
    }

    private void change(String action, String unit, Runnable effect) {
        String call = action + " " + unit;
        calls.add(call);
        if (failOnce.remove(call)) {
            throw new ActionFailedException(unit, null, "failed", call + " failed", 1, "boom");
        }
        effect.run();
        if (failOnceAfterEffect.remove(call)) {
            throw new TransportException("fake", call + ": connection lost", null);
        }
    }

    @Override
    public void stopService(String unit, Deadline deadline) {
        check(deadline, unit);
        change("stop", unit, () -> running.remove(unit));
    }

    @Override
    public void startService(String unit, Deadline deadline) {
        check(deadline, unit);
        change("start", unit, () -> running.add(unit));
    }

    @Override
    public void upload(String unit, Path localFile, String remotePath, Deadline deadline) {
        check(deadline, unit, remotePath);
        change("upload", unit, () -> {
            if (files.putIfAbsent(unit + ":" + remotePath, Sha256.ofFile(localFile)) != null) {
                throw new ActionFailedException(unit, null, "failed", "file exists", 1, "File exists");
            }
        });
    }

    @Override
    public String restoreDataDir(String unit, String remoteArchive, Member member, Deadline deadline) {
        checkMember(member);
        check(deadline, unit, remoteArchive);
        if (!files.containsKey(unit + ":" + remoteArchive)) {
            throw new ActionFailedException(unit, null, "failed", "no archive at " + remoteArchive, 66, "");
        }
        change("restore", unit, () -> restored.put(unit, member));
        return "/var/snap/etcd/current/member.before-restore-1";
    }

    @Override
    public Optional<String> address(String unit) {
        return Optional.ofNullable(addresses.get(unit));
    }

    @Override
    public String etcdVersion(String unit, Deadline deadline) {
        check(deadline, unit);
        return versions.get(unit);
    }

    @Override
    public Optional<String> sha256(String unit, String remotePath, Deadline deadline) {
        check(deadline, unit, remotePath);
        return Optional.ofNullable(files.get(unit + ":" + remotePath));
    }

    @Override
    public boolean serviceActive(String unit, Deadline deadline) {
        check(deadline, unit);
        return running.contains(unit);
    }
}
