package io.github.etcdbackup.internal.unit;

import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.common.Shell;

import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OutputParseException;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Listing and removing the charm's archives on a unit, however the transport runs the commands (as root: the action
 * writes them as root): one script per operation, one reading of its output, and the checks that keep a removal to
 * exactly one archive. The directory is refused when it is reached through a symbolic link (someone who can write
 * {@code /home/ubuntu} could point it anywhere), and a removal touches only a regular file whose name is the charm's
 * ({@code etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz}, layer-etcd src/actions/snapshot).
 */
public final class UnitArchives {
    /** The names the charm's snapshot action (and the SSH transport's) give archives; they sort by time. */
    public static final Pattern ARCHIVE_NAME =
            Pattern.compile("etcd-snapshot-\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.tar\\.gz");
    /** Exit status of both scripts when the directory is reached through a symbolic link. */
    private static final int EXIT_LINKED_DIRECTORY = 3;
    /** Exit status of the removal when the path is a link or not a regular file. */
    private static final int EXIT_NOT_A_FILE = 4;
    /** Exit status of the removal when the file holds other bytes than the archive it was asked to remove. */
    private static final int EXIT_OTHER_BYTES = 5;
    private static final String LINE = "archive ";
    /** What {@link #readRangesScript} prints on stderr after each range, before the range's length. */
    public static final String RANGE_END = "etcd-backup-range-end ";
    /** What {@link #readRangesScript} prints on stderr when it starts, before the file's size. */
    public static final String RANGE_SIZE = "etcd-backup-range-size ";
    private static final String REMOVED = "removed";
    private static final String ABSENT = "absent";

    private UnitArchives() {
    }

    /**
     * Streams {@code length} bytes of {@code path} from byte {@code offset} (one range of a parallel read, both
     * transports): nothing past the end of the file, exit 0; exit 1 when it cannot be read. {@code dd} rather than
     * {@code tail -c +N | head -c L}: head exits once it has its bytes and tail then dies of SIGPIPE, so the pipe's
     * status either hides tail's own failure or fails a good read under pipefail. {@code skip_bytes} and
     * {@code count_bytes} (GNU coreutils 8.16, Ubuntu 14.04) count in bytes, not blocks. {@code path} must already be
     * validated; it is single-quoted here.
     */
    public static String readRangeScript(String path, long offset, long length) {
        return "dd if=" + Shell.quoteAlways(path) + " bs=1M iflag=skip_bytes,count_bytes skip=" + offset + " count="
                + length + " status=none";
    }

    /**
     * Reads ranges of {@code path} one after the other, as asked on stdin ({@code OFFSET LENGTH}, one line each), for
     * a session that serves many ranges: each range's bytes go to stdout (fewer than asked only where the file ends,
     * as {@link #readRangeScript}), then {@value #RANGE_END}{@code N} on stderr says it ended after {@code N} bytes;
     * exit 0 at the end of stdin. The markers go to stderr because stdout carries nothing but the file; the reader
     * waits for both, as the two may reach it in either order. The file's size is read once, when the session
     * starts, and printed ({@value #RANGE_SIZE}{@code S} on stderr, for the caller to compare across its sessions),
     * and read again after each range: a file that changes size while the session reads it ends the session with
     * exit 5 (and a message), so that no range is ever counted other than it was sent. Exit 3 or 4: the file could
     * not be read. POSIX sh ({@code dash} on Ubuntu); {@code path} must already be validated.
     */
    public static String readRangesScript(String path) {
        return "f=" + Shell.quoteAlways(path) + "\n"
                + "s=$(stat -L -c %s -- \"$f\") || exit 3\n"
                + "echo \"" + RANGE_SIZE + "$s\" >&2\n"
                + "while read -r o l; do\n"
                + "  n=0\n"
                + "  if [ \"$o\" -lt \"$s\" ]; then n=$((s - o)); fi\n"
                + "  if [ \"$n\" -gt \"$l\" ]; then n=$l; fi\n"
                + "  if [ \"$n\" -gt 0 ]; then\n"
                + "    dd if=\"$f\" bs=1M iflag=skip_bytes,count_bytes skip=\"$o\" count=\"$n\" status=none || exit 4\n"
                + "  fi\n"
                + "  if [ \"$(stat -L -c %s -- \"$f\")\" != \"$s\" ]; then\n"
                + "    echo \"etcd-backup: $f changed size while it was read\" >&2; exit 5\n"
                + "  fi\n"
                + "  echo \"" + RANGE_END + "$n\" >&2\n"
                + "done\n";
    }

    /**
     * Prints {@code archive SIZE MTIME NAME} for each regular file named like an archive directly in
     * {@code directory}; nothing when the directory does not exist.
     */
    public static String listScript(String directory) {
        InputValidation.remotePath(directory);
        return "d=" + Shell.quoteAlways(directory) + "\n"
                + "[ -e \"$d\" ] || exit 0\n"
                + unlinkedDirectory()
                + "find -P \"$d\" -mindepth 1 -maxdepth 1 -type f -name 'etcd-snapshot-*.tar.gz' -printf '"
                + LINE + "%s %T@ %f\\n'\n";
    }

    /**
     * Removes {@code path} if it is a regular file and, when {@code sha256} is given, holds exactly those bytes,
     * printing {@code removed} or {@code absent}. The check matters: the charm names archives by the second, so a
     * snapshot taken in the same second by someone else replaces the file under the same name.
     */
    public static String removeScript(String path, Optional<String> sha256) {
        String directory = checkArchivePath(path);
        String name = path.substring(directory.length() + 1);
        String sameBytes = sha256.map(InputValidation::sha256).map(sum -> "sum=$(sha256sum < \"$p\")\n"
                + "if [ \"${sum%% *}\" != " + sum + " ]; then\n"
                + "  echo \"etcd-backup: $p no longer holds the archive with SHA-256 " + sum
                + " (another snapshot in the same second replaced it?); left alone\" >&2; exit " + EXIT_OTHER_BYTES
                + "\nfi\n").orElse("");
        return "d=" + Shell.quoteAlways(directory) + "\n"
                + unlinkedDirectory()
                + "p=\"$d\"/" + Shell.quoteAlways(name) + "\n"
                + "if [ -L \"$p\" ] || { [ -e \"$p\" ] && [ ! -f \"$p\" ]; }; then\n"
                + "  echo \"etcd-backup: $p is not a regular file; left alone\" >&2; exit " + EXIT_NOT_A_FILE + "\n"
                + "fi\n"
                + "[ -e \"$p\" ] || { echo " + ABSENT + "; exit 0; }\n"
                + sameBytes
                + "rm -f -- \"$p\" && echo " + REMOVED + "\n";
    }

    private static String unlinkedDirectory() {
        return "if [ \"$(readlink -f -- \"$d\")\" != \"$d\" ]; then\n"
                + "  echo \"etcd-backup: $d is reached through a symbolic link; left alone\" >&2; exit "
                + EXIT_LINKED_DIRECTORY + "\n"
                + "fi\n";
    }

    /**
     * Checks that {@code path} is an absolute, normalised path to a file named like the charm's archives, and returns
     * its directory.
     *
     * @throws InvalidInputException if it is not
     */
    public static String checkArchivePath(String path) {
        InputValidation.remotePath(path);
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        if (slash == 0 || !ARCHIVE_NAME.matcher(name).matches()) {
            throw new InvalidInputException("archive path on the unit", path,
                    "expected DIRECTORY/etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz, the charm's own naming");
        }
        return path.substring(0, slash);
    }

    /** Reads {@link #listScript}'s output into archives, oldest first (by name, then by time). */
    public static List<UnitArchive> parseList(String unit, String directory, String stdout) {
        List<UnitArchive> archives = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.startsWith(LINE) ? line.substring(LINE.length()).split(" ", 3) : new String[0];
            if (fields.length != 3 || !ARCHIVE_NAME.matcher(fields[2]).matches()) {
                throw new OutputParseException("the archive list of " + unit + ":" + directory + " has a line that "
                        + "is not 'archive SIZE MTIME NAME'", stdout, null);
            }
            try {
                BigDecimal seconds = new BigDecimal(fields[1]);
                Instant modified = Instant.ofEpochSecond(seconds.longValue(),
                        seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
                archives.add(new UnitArchive(unit, directory + "/" + fields[2], Long.parseLong(fields[0]), modified));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new OutputParseException("the archive list of " + unit + ":" + directory + " has a size or "
                        + "time that is not a number", stdout, e);
            }
        }
        archives.sort(Comparator.comparing(UnitArchive::path).thenComparing(UnitArchive::modified));
        return List.copyOf(archives);
    }

    /**
     * Reads {@link #removeScript}'s output.
     *
     * @return true when the file was removed, false when it was not there
     */
    public static boolean parseRemoved(String unit, String path, String stdout) {
        String out = stdout.strip();
        if (out.equals(REMOVED)) {
            return true;
        }
        if (out.equals(ABSENT)) {
            return false;
        }
        throw new OutputParseException("removing " + unit + ":" + path + " printed neither '" + REMOVED + "' nor '"
                + ABSENT + "'", stdout, null);
    }
}
