package dev.bigbatch.train.decentralized;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.Checkpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * Checkpoints of a {@code --sync decentralized} run: one file per rank, {@code FILE-rank<r>.<ext>} next to
 * the policy's {@code FILE.<ext>} ({@code checkpoint.bin} → {@code checkpoint-rank0.bin}, …), each in the
 * {@link Checkpoints} format (atomic rename, CRC) and written by its own rank at the same steps. Each file
 * holds what that replica alone knows:
 * <ul>
 *   <li>its parameters x_i and its momentum m_i ({@link DecentralizedSgd#state()}; DmSGD and DecentLaM
 *       keep exactly these), its BN running statistics as they are — not averaged for the checkpoint, so
 *       saving does not change the run (they are still averaged at every epoch end, as without
 *       checkpoints) — the next step and an adaptive schedule's state, as any checkpoint;</li>
 *   <li>in the identity: {@code sync=decentralized}, the number of replicas P, the topology, the method
 *       and the rank, which a resume must match;</li>
 *   <li>in section {@code gossip} ({@link GossipState}): the gossip counters (rounds, payload bytes), so
 *       {@code consensus.jsonl} stays cumulative. The socket byte count restarts at 0 on resume, as in synchronous runs.</li>
 * </ul>
 * Nothing else is state: a gossip round's send and receive buffers are overwritten every step, the mixing
 * weights are a function of the topology, and the data order of the step and the seed.
 *
 * <p><b>A save is a set of P files, and a job can stop in the middle of writing it.</b> Each file is written
 * atomically, but not the set, so each rank keeps its previous save too ({@code FILE-rank<r>.prev.<ext>}:
 * the last file is renamed to it before the new one is written). Ranks cannot be more than one save apart:
 * to finish the step after save s a rank needs every rank in that step's loss allreduce, which each enters
 * only after writing save s. So after any stop every rank holds the newest complete save as its last or
 * its previous file, and resuming picks the newest save that every rank holds.
 *
 * <p>Resuming ({@link #resume}) is collective, so that a problem on one rank stops every rank with the
 * same one-line message instead of leaving the others waiting on a collective: every rank reads and checks
 * its own files, then the ranks allgather (usable steps, first problem) and take the newest common step;
 * none (a rank without usable files, or files copied together from different saves or runs) fails every rank.
 */
public final class RankCheckpoints {
  static final String SYNC = "sync";
  static final String DECENTRALIZED = "decentralized";
  static final String REPLICAS = "replicas";
  static final String TOPOLOGY = "topology";
  static final String METHOD = "method";
  static final String RANK = "rank";
  /** Checkpoint section {@code gossip}: the counters of gossip rounds and payload bytes so far. */
  record GossipState(long rounds, long payloadBytes) {
    GossipState {
      if (rounds < 0 || payloadBytes < 0) {
        throw new IllegalArgumentException("rounds " + rounds + " and payloadBytes " + payloadBytes + " must be >= 0");
      }
    }
  }

  static final Checkpoints.Section<GossipState> GOSSIP = new Checkpoints.Section<>("gossip", GossipState.class);
  /** Characters of a problem message that travel to the other ranks (longer ones are cut). */
  private static final int MESSAGE_CHARS = 600;
  private static final Pattern RANK_FILE = Pattern.compile(".*-rank\\d+(\\.[^.]*)?");

  private RankCheckpoints() {}

  /** Rank {@code rank}'s file for the checkpoint path {@code base}: {@code dir/name-rank<r>.ext}. */
  public static Path fileOf(Path base, int rank) {
    String name = base.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String rankName = dot > 0 ? name.substring(0, dot) + "-rank" + rank + name.substring(dot) : name + "-rank" + rank;
    return base.resolveSibling(rankName);
  }

  /**
   * Rank {@code rank}'s newest file for {@code base}: its last save, or its previous one where the job stopped
   * between renaming the last save and writing the new one. May not exist.
   */
  public static Path newestFile(Path base, int rank) {
    Path last = fileOf(base, rank);
    return Files.exists(last) || !Files.exists(previousOf(last)) ? last : previousOf(last);
  }

  /** The previous save's file next to rank file {@code rankFile}: {@code name-rank<r>.prev.ext}. */
  static Path previousOf(Path rankFile) {
    String name = rankFile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return rankFile.resolveSibling(dot > 0 ? name.substring(0, dot) + ".prev" + name.substring(dot) : name + ".prev");
  }

  /** Writes this replica's {@code state} to its own file for {@code base}, keeping its last save as the previous one. */
  static void save(Path base, Checkpoints.State state, SyncSpec settings, int replicas, int rank, Gossip gossip) {
    Map<String, String> identity = new LinkedHashMap<>(state.identity());
    identity.putAll(identity(settings, replicas, rank));
    Path file = fileOf(base, rank);
    if (Files.exists(file)) {
      move(file, previousOf(file)); // kept until this rank's next save: the fallback if the job stops mid-save
    }
    Checkpoints.save(file, state.withIdentity(identity) // insertion order: equal states, equal bytes
        .with(GOSSIP, new GossipState(gossip.rounds(), gossip.payloadBytes())));
  }

  private static Map<String, String> identity(SyncSpec s, int replicas, int rank) {
    Map<String, String> id = new LinkedHashMap<>();
    id.put(SYNC, DECENTRALIZED);
    id.put(REPLICAS, Integer.toString(replicas));
    id.put(TOPOLOGY, s.topologyOrDefault().name().toLowerCase(Locale.ROOT));
    id.put(METHOD, s.methodOrDefault().name().toLowerCase(Locale.ROOT));
    id.put(RANK, Integer.toString(rank));
    return id;
  }

  /**
   * Loads a synchronous run's checkpoint ({@code --resume FILE} without {@code --sync decentralized}),
   * refusing one rank's file of a decentralized run, and pointing at the per-rank files when {@code file}
   * is missing but they exist.
   */
  public static Checkpoints.State loadSynchronous(Path file) {
    if (!Files.exists(file) && Files.exists(fileOf(file, 0))) {
      throw new IllegalArgumentException("--resume " + file + ": no such checkpoint, but " + fileOf(file, 0)
          + " exists: the run was --sync decentralized (one checkpoint per rank); resume it with --sync decentralized");
    }
    Checkpoints.State s = Checkpoints.load(file);
    if (DECENTRALIZED.equals(s.identity().get(SYNC))) {
      throw new IllegalArgumentException("--resume " + file + ": checkpoint of rank " + s.identity().get(RANK) + " of a "
          + "--sync decentralized run, which holds that replica only; resume it with --sync decentralized");
    }
    return s;
  }

  /**
   * Collective: every rank of {@code replicas} reads its own files for {@code base} (the last save and the one
   * before), checks them against this run ({@code config}, settings, P, rank), and all ranks resume from the
   * newest save they all hold: this rank's state is copied into {@code model} and {@code opt} and returned
   * for {@link dev.bigbatch.train.Trainer#resumeFrom}. When that is the previous save, it becomes this rank's
   * last save again (the newer one, which not every rank completed, is dropped) and {@code notice} is told why.
   * Restores the gossip counters.
   *
   * @throws IllegalArgumentException on every rank, with one message naming the first bad file and its problem
   */
  static Checkpoints.State resume(Path base, JobSpec config, Model model, Optimizer opt, DecentralizedReplicas replicas,
      Consumer<String> notice) {
    int rank = replicas.rank();
    Path last = fileOf(base, rank);
    List<Path> files = new ArrayList<>();
    List<Checkpoints.State> states = new ArrayList<>();
    String problem = Files.exists(last) || Files.exists(previousOf(last)) ? null : missing(base, replicas.size(), rank);
    for (Path file : List.of(last, previousOf(last))) {
      if (Files.exists(file)) {
        try {
          Checkpoints.State s = loadChecked(file, replicas.settings(), replicas.size(), rank);
          s.applyTo(config, model, opt); // checks the config identity, tensor names and shapes
          files.add(file);
          states.add(s);
        } catch (IllegalArgumentException e) {
          problem = problem == null ? e.getMessage() : problem;
        }
      }
    }
    List<Report> reports = exchange(replicas.communicator(),
        new Report(states.stream().mapToLong(Checkpoints.State::nextStep).toArray(), problem));
    long step = newestCommonStep(reports);
    if (step < 0) {
      throw new IllegalArgumentException(noCommonSave(base, reports));
    }
    int chosen = 0;
    while (states.get(chosen).nextStep() != step) {
      chosen++;
    }
    Checkpoints.State state = states.get(chosen);
    if (!files.get(chosen).equals(last)) {
      move(files.get(chosen), last); // the next save keeps it as the fallback
    }
    state.applyTo(config, model, opt);
    long newest = reports.stream().flatMapToLong(r -> LongStream.of(r.steps())).max().orElse(step);
    if (newest > step) {
      notice.accept("resume: the save at step " + newest + " is not complete on every rank (the job stopped while "
          + "saving); every rank resumes from the previous save, at step " + step);
    }
    GossipState counters = state.sections().require(GOSSIP, "a --sync decentralized checkpoint always has one; "
        + "the file was not written by this version");
    replicas.gossip().restoreCounters(counters.rounds(), counters.payloadBytes());
    return state;
  }

  /** The newest step every rank holds a valid file of, or −1. */
  private static long newestCommonStep(List<Report> reports) {
    long best = -1;
    for (long candidate : reports.get(0).steps()) {
      if (candidate > best && reports.stream().allMatch(r -> LongStream.of(r.steps()).anyMatch(x -> x == candidate))) {
        best = candidate;
      }
    }
    return best;
  }

  /** Why there is no common save: the first rank with no usable file, else the steps each rank holds. */
  private static String noCommonSave(Path base, List<Report> reports) {
    for (int r = 0; r < reports.size(); r++) {
      if (reports.get(r).steps().length == 0) {
        long others = reports.stream().filter(x -> x.steps().length == 0).count() - 1;
        return reports.get(r).problem() + (others > 0 ? " (and " + others + " other rank(s) have no usable checkpoint either)" : "");
      }
    }
    StringBuilder steps = new StringBuilder();
    for (int r = 0; r < reports.size(); r++) {
      steps.append(r == 0 ? "" : ", ").append(fileOf(base, r).getFileName()).append(" at step");
      steps.append(reports.get(r).steps().length == 1 ? " " : "s ");
      steps.append(String.join("/", LongStream.of(reports.get(r).steps()).mapToObj(Long::toString).toList()));
    }
    return "--resume " + base + ": the ranks hold no save in common (" + steps + "); the files come from different runs "
        + "or were copied together from different saves";
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move checkpoint " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /** Why a rank that has neither its last nor its previous file cannot resume. */
  private static String missing(Path base, int replicas, int rank) {
    Path file = fileOf(base, rank);
    if (RANK_FILE.matcher(base.getFileName().toString()).matches()) {
      return "--resume " + base + ": give the checkpoint path without the rank (each rank reads its own FILE-rank<r>), "
          + "not one rank's file";
    }
    if (Files.exists(base)) {
      return "--resume " + base + ": checkpoint of a synchronous run (no " + file.getFileName()
          + "); resume it without --sync decentralized";
    }
    return file + ": checkpoint of rank " + rank + " does not exist (a --sync decentralized run of " + replicas
        + " processes writes " + fileOf(base, 0).getFileName() + " … " + fileOf(base, replicas - 1).getFileName() + ")";
  }

  /** Reads {@code file} and checks that it is rank {@code rank}'s file of a decentralized run like this one. */
  private static Checkpoints.State loadChecked(Path file, SyncSpec s, int replicas, int rank) {
    Checkpoints.State state = Checkpoints.load(file);
    Map<String, String> saved = state.identity();
    if (!DECENTRALIZED.equals(saved.get(SYNC))) {
      throw new IllegalArgumentException(file + ": checkpoint of a synchronous run; resume it without --sync decentralized");
    }
    for (Map.Entry<String, String> e : identity(s, replicas, rank).entrySet()) {
      if (!e.getValue().equals(saved.get(e.getKey()))) {
        throw new IllegalArgumentException(file + ": written by a decentralized run with " + e.getKey() + "="
            + saved.get(e.getKey()) + " but this run has " + e.getKey() + "=" + e.getValue()
            + (e.getKey().equals(RANK) ? "; the files were renamed or mixed up" : "; resume with the same settings"));
      }
    }
    return state;
  }

  /** What one rank found: the steps of its usable files (newest first), and its first problem, if any. */
  private record Report(long[] steps, String problem) {}

  /** Allgathers every rank's report (as doubles: two steps or −1, message length or −1, message characters). */
  private static List<Report> exchange(Communicator comm, Report mine) {
    if (comm == null) {
      return List.of(mine);
    }
    int slot = 3 + MESSAGE_CHARS;
    String text = mine.problem() == null ? "" : mine.problem();
    if (text.length() > MESSAGE_CHARS) {
      text = text.substring(0, MESSAGE_CHARS - 1) + "…";
    }
    DoubleBuffer out = DoubleBuffer.allocate(slot);
    for (int i = 0; i < 2; i++) {
      out.put(i < mine.steps().length ? mine.steps()[i] : -1);
    }
    out.put(mine.problem() == null ? -1 : text.length());
    for (int i = 0; i < MESSAGE_CHARS; i++) {
      out.put(i < text.length() ? text.charAt(i) : 0);
    }
    out.flip();
    DoubleBuffer all = DoubleBuffer.allocate(slot * comm.size());
    comm.allgather(out, all);
    List<Report> reports = new ArrayList<>();
    for (int r = 0; r < comm.size(); r++) {
      int at = r * slot;
      long[] steps = LongStream.of((long) all.get(at), (long) all.get(at + 1)).filter(x -> x >= 0).toArray();
      int length = (int) all.get(at + 2);
      char[] chars = new char[Math.max(length, 0)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = (char) all.get(at + 3 + i);
      }
      reports.add(new Report(steps, length < 0 ? null : new String(chars)));
    }
    return reports;
  }
}
