package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.internal.files.AtomicFile;
import io.github.etcdbackup.internal.files.FileLocks;
import io.github.etcdbackup.internal.files.SafeFiles;

import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.restore.RestorePath;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A restore written down as it runs, so that another process can finish it after this one crashed: the plan itself
 * (every step, with its data), then one line when a step starts and one when it ends, each line fsynced before the
 * step goes on. Without it, a restore killed after the charm's {@code restore} action ran and units were added
 * could only be planned again from the model, which then refuses a multi-unit target, or worse, runs
 * {@code restore} a second time.
 *
 * <p>The header (the plan) is written atomically; a crash in the middle of appending a line leaves a last line with
 * no newline, which reading ignores. A step that started but never ended is run again on resume: every step first
 * looks whether its effect is already there. The file is locked while a restore runs from it, so two processes
 * cannot drive the same restore.
 */
public final class RestoreJournal implements AutoCloseable {
    private static final String MAGIC = "etcd-backup restore journal";
    private static final String FORMAT = "1";
    private static final String IDENTITY_FILE = "identity-file";
    private static final String MODEL = "model";
    private static final Logger LOG = LoggerFactory.getLogger(RestoreJournal.class);

    private final Path file;
    private final FileLocks.Held held;
    private final FileChannel channel;
    private final String text;

    private RestoreJournal(Path file, FileLocks.Held held, String text) {
        this.file = file;
        this.held = held;
        this.channel = held.channel();
        this.text = text;
    }

    /** A journal that was read back: its plan and the steps that ended well. */
    public record Recovered(RestorePlan plan, List<RestoreReport.StepOutcome> finished, Optional<String> model) {
        /** The first step that did not end well: where a resume starts. */
        public int resumeIndex() {
            return finished.size();
        }
    }

    /**
     * Starts the journal of a new restore: the plan is written to a temporary file, synced, and linked under the
     * journal's name, which fails if the name is taken (two processes starting at once cannot replace each other's
     * journal), then opened and locked.
     *
     * @throws FileConflictException if the file exists: an earlier restore is journaled there
     */
    public static RestoreJournal create(Path file, RestorePlan plan) {
        return create(file, plan, Optional.empty());
    }

    /**
     * {@link #create(Path, RestorePlan)} recording the Juju model the restore runs in, so that a resume through a
     * transport on another model is refused.
     */
    public static RestoreJournal create(Path file, RestorePlan plan, Optional<String> model) {
        List<String> lines = new ArrayList<>();
        lines.add(MAGIC + " " + FORMAT);
        lines.add("# Written by etcd-backup while a restore runs; do not edit. Continue it with client.resume(path).");
        LocalSnapshot archive = plan.snapshot();
        lines.add("archive " + StepCodec.encodeRecord(new LocalSnapshot(archive.file().toAbsolutePath(),
                archive.sha256(), archive.sizeBytes(), archive.source(), archive.encryption())));
        lines.add("target " + StepCodec.enc(plan.targetApplication()));
        lines.add("juju " + StepCodec.enc(plan.jujuVersion()));
        lines.add("settle-timeout " + plan.settleTimeout());
        lines.add("poll-interval " + plan.pollInterval());
        model.ifPresent(name -> lines.add(MODEL + " " + StepCodec.enc(name)));
        // The identities themselves are secret and never written; the file they came from is only a path.
        plan.identities().flatMap(AgeIdentities::file).ifPresent(identityFile ->
                lines.add(IDENTITY_FILE + " " + StepCodec.enc(identityFile.toAbsolutePath().toString())));
        plan.steps().forEach(step -> lines.add("step " + StepCodec.encode(step)));
        lines.add("plan-end " + plan.steps().size());
        byte[] header = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        Path dir = file.toAbsolutePath().getParent();
        Path temp = null;
        SafeFiles.existsAsRegularFile(file); // a link at the name is refused by name; the link below only says "exists"
        try {
            temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(header));
                out.force(true);
            }
            Files.createLink(file, temp);
            AtomicFile.syncDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new FileConflictException(file, "holds the journal of an earlier restore; continue it with "
                    + "client.resume(" + file + "), or move it away to start a new restore");
        } catch (IOException e) {
            throw new LocalStorageException(file, "Writing", e);
        } finally {
            deleteQuietly(temp);
        }
        return open(file);
    }

    /**
     * Opens and locks an existing journal to continue it, and reads it through the locked channel. Every read and
     * write of the journal goes through that one channel: the OS lock is a POSIX record lock, which closing ANY
     * other handle this process has on the file would silently release.
     *
     * @throws FileConflictException if another process is running the restore it holds
     * @throws InvalidInputException if the file is not a restore journal (it is then left untouched)
     */
    public static RestoreJournal open(Path file) {
        FileLocks.Held held = FileLocks.lockNow(file, false, "another process is running the restore journaled here");
        FileChannel channel = held.channel();
        try {
            String text = new String(FileLocks.readAll(channel), StandardCharsets.UTF_8);
            if (!text.startsWith(MAGIC + " " + FORMAT + "\n")) {
                throw notAJournal(file, "it does not start with \"" + MAGIC + " " + FORMAT + "\"");
            }
            int complete = text.lastIndexOf('\n') + 1;
            if (complete < text.length()) {
                // A line torn by a crash while it was appended: cut it, so that the next line starts clean.
                channel.truncate(text.substring(0, complete).getBytes(StandardCharsets.UTF_8).length);
                channel.force(false);
            }
            channel.position(channel.size());
            return new RestoreJournal(file, held, text.substring(0, complete));
        } catch (IOException e) {
            held.close();
            throw new LocalStorageException(file, "Opening", e);
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    /** What this journal holds: its plan and the steps that ended well, as read under the lock. */
    public Recovered recovered() {
        return parse(file, text);
    }

    /**
     * Reads a journal: the plan (its archive checked against the journal's SHA-256) and the steps that ended well.
     *
     * @throws InvalidInputException if the file is not a complete journal header
     */
    public static Recovered read(Path file) {
        // Never through a channel of its own: a restore of this JVM may hold the journal's lock.
        return parse(file, new String(FileLocks.readAll(file), StandardCharsets.UTF_8));
    }

    private static Recovered parse(Path file, String text) {
        int end = text.lastIndexOf('\n');
        List<String> lines = end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
        if (lines.isEmpty() || !lines.get(0).equals(MAGIC + " " + FORMAT)) {
            throw notAJournal(file, "it does not start with \"" + MAGIC + " " + FORMAT + "\"");
        }
        Map<String, String> header = new HashMap<>();
        List<RestoreStep> steps = new ArrayList<>();
        int i = 1;
        try {
            for (; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("#")) {
                    continue;
                }
                String key = line.substring(0, line.indexOf(' '));
                String value = line.substring(key.length() + 1);
                if (key.equals("step")) {
                    steps.add(StepCodec.decode(value));
                } else if (key.equals("plan-end")) {
                    if (Integer.parseInt(value) != steps.size()) {
                        throw notAJournal(file, "its plan has " + steps.size() + " steps, not " + value);
                    }
                    break;
                } else {
                    header.put(key, value);
                }
            }
            if (i == lines.size()) {
                throw notAJournal(file, "its plan is incomplete");
            }
            String jujuVersion = StepCodec.dec(required(file, header, "juju"));
            // No line of its own: a Juju plan always records the model's version, an SSH plan never does.
            RestorePath path = jujuVersion.isEmpty() ? RestorePath.SSH : RestorePath.JUJU;
            RestorePlan plan = new RestorePlan(snapshot(header, file), StepCodec.dec(required(file, header, "target")),
                    path, jujuVersion, steps,
                    Duration.parse(required(file, header, "settle-timeout")),
                    Duration.parse(required(file, header, "poll-interval")),
                    identities(header.get(IDENTITY_FILE)));
            return new Recovered(plan, finished(plan, lines.subList(i + 1, lines.size())),
                    Optional.ofNullable(header.get(MODEL)).map(StepCodec::dec));
        } catch (InvalidInputException | FileConflictException e) {
            throw e;
        } catch (RuntimeException e) {
            throw notAJournal(file, "line " + (i + 1) + " cannot be read (" + e.getMessage() + ")");
        }
    }

    /** The steps that ended well, in plan order, up to the first that did not. */
    private static List<RestoreReport.StepOutcome> finished(RestorePlan plan, List<String> events) {
        Map<Integer, RestoreReport.StepOutcome> ended = new HashMap<>();
        for (String event : events) {
            String[] words = event.split(" ");
            if (words[0].equals("started")) {
                ended.remove(Integer.parseInt(words[1]));
            } else if (words[0].equals("ended")) {
                int index = Integer.parseInt(words[1]);
                RestoreReport.Result result = RestoreReport.Result.valueOf(words[2]);
                if (result == RestoreReport.Result.FAILED) {
                    ended.remove(index);
                } else {
                    ended.put(index, new RestoreReport.StepOutcome(index, plan.steps().get(index), result,
                            Duration.ofMillis(Long.parseLong(words[3])), Optional.empty()));
                }
            } else {
                throw new IllegalArgumentException("unknown event " + words[0]);
            }
        }
        List<RestoreReport.StepOutcome> finished = new ArrayList<>();
        for (int i = 0; i < plan.steps().size() && ended.containsKey(i); i++) {
            finished.add(ended.get(i));
        }
        return finished;
    }

    /** The archive the restore started with, checked again: it must still be there with the same bytes. */
    /**
     * The identities of the file the journal names. One that cannot be read is not a reason to refuse the journal
     * (the steps that need it may be done): the step that decrypts says what is missing.
     */
    private static Optional<AgeIdentities> identities(String encodedPath) {
        if (encodedPath == null) {
            return Optional.empty();
        }
        Path identityFile = Path.of(StepCodec.dec(encodedPath));
        try {
            return Optional.of(AgeIdentities.fromFile(identityFile));
        } catch (EtcdBackupException e) {
            LOG.warn("The journal's identity file cannot be read ({}); resume with the identities given",
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static LocalSnapshot snapshot(Map<String, String> header, Path file) {
        LocalSnapshot snapshot = StepCodec.decodeRecord(LocalSnapshot.class, required(file, header, "archive"));
        try {
            return snapshot.verify();
        } catch (EtcdBackupException e) {
            throw new FileConflictException(snapshot.file(), "is named by the restore journal " + file
                    + " but is no longer the archive the restore started with (" + e.getMessage()
                    + "): put the verified archive back there");
        }
    }

    private static String required(Path file, Map<String, String> header, String key) {
        String value = header.get(key);
        if (value == null) {
            throw notAJournal(file, "it has no " + key);
        }
        return value;
    }

    private static InvalidInputException notAJournal(Path file, String why) {
        return new InvalidInputException("journal", file.toString(), "must be a restore journal written by "
                + "etcd-backup, but " + why);
    }

    private static void deleteQuietly(Path temp) {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover hidden temporary file is harmless; the journal itself is what matters
            }
        }
    }

    /** Records that step {@code index} starts. */
    public void started(int index) {
        append("started " + index);
    }

    /** Records how a step ended. */
    public void ended(RestoreReport.StepOutcome outcome) {
        append("ended " + outcome.index() + " " + outcome.result() + " " + outcome.elapsed().toMillis());
    }

    private void append(String line) {
        try {
            ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new LocalStorageException(file, "Appending to", e);
        }
    }

    @Override
    public void close() {
        held.close();
    }
}
