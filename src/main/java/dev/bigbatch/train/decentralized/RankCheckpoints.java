package dev.bigbatch.train.decentralized;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.TrainConfig;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

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
 *   <li>in the progress: the gossip counters (rounds, payload bytes), so {@code consensus.jsonl} stays
 *       cumulative. The socket byte count restarts at 0 on resume, as in synchronous runs.</li>
 * </ul>
 * Nothing else is state: a gossip round's send and receive buffers are overwritten every step, the mixing
 * weights are a function of the topology, and the data order of the step and the seed.
 *
 * <p>Resuming ({@link #resume}) is collective, so that a problem on one rank stops every rank with the
 * same one-line message instead of leaving the others waiting on a collective: every rank reads its own
 * file and checks it, then the ranks allgather (step, problem); any problem, or files from different
 * steps (a job stopped between two ranks' writes of one save), fails every rank. Each file is written
 * atomically but the set is not: after a crash in the middle of a save the ranks' files can differ by one
 * save and cannot be resumed; the check says so rather than resuming a mixture.
 */
public final class RankCheckpoints {
  static final String SYNC = "sync";
  static final String DECENTRALIZED = "decentralized";
  static final String REPLICAS = "replicas";
  static final String TOPOLOGY = "topology";
  static final String METHOD = "method";
  static final String RANK = "rank";
  static final String GOSSIP_ROUNDS = "gossip.rounds";
  static final String GOSSIP_PAYLOAD_BYTES = "gossip.payloadBytes";
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

  /** Writes this replica's {@code state} to its own file for {@code base}. */
  static void save(Path base, Checkpoints.State state, Decentralized.Settings settings, int replicas, int rank, Gossip gossip) {
    Map<String, String> identity = new LinkedHashMap<>(state.identity());
    identity.putAll(identity(settings, replicas, rank));
    Map<String, String> progress = new LinkedHashMap<>(state.progress());
    progress.put(GOSSIP_ROUNDS, Long.toString(gossip.rounds()));
    progress.put(GOSSIP_PAYLOAD_BYTES, Long.toString(gossip.payloadBytes()));
    Checkpoints.save(fileOf(base, rank), new Checkpoints.State(identity, state.nextStep(), state.optimizerScalars(),
        state.tensors(), state.shapes(), progress, state.scheduleState())); // insertion order: equal states, equal bytes
  }

  private static Map<String, String> identity(Decentralized.Settings s, int replicas, int rank) {
    Map<String, String> id = new LinkedHashMap<>();
    id.put(SYNC, DECENTRALIZED);
    id.put(REPLICAS, Integer.toString(replicas));
    id.put(TOPOLOGY, s.topology().name().toLowerCase(Locale.ROOT));
    id.put(METHOD, s.method().name().toLowerCase(Locale.ROOT));
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
   * Collective: every rank of {@code replicas} reads its own file for {@code base}, checks it against this
   * run ({@code config}, settings, P, rank) and copies it into {@code model} and {@code opt}; then all ranks
   * compare steps. Restores the gossip counters. Returns this rank's state for
   * {@link dev.bigbatch.train.Trainer#resumeFrom}.
   *
   * @throws IllegalArgumentException on every rank, with one message naming the first bad file and its problem
   */
  static Checkpoints.State resume(Path base, TrainConfig config, Model model, Optimizer opt, DecentralizedReplicas replicas) {
    int rank = replicas.rank();
    Checkpoints.State state = null;
    String problem = null;
    try {
      state = loadOwn(base, replicas.settings(), replicas.size(), rank);
      state.applyTo(config, model, opt);
    } catch (IllegalArgumentException e) {
      problem = e.getMessage();
    }
    long step = state == null ? -1 : state.nextStep();
    List<Report> reports = exchange(replicas.communicator(), new Report(step, problem));
    for (int r = 0; r < reports.size(); r++) {
      if (reports.get(r).problem() != null) {
        long others = reports.stream().filter(x -> x.problem() != null).count() - 1;
        throw new IllegalArgumentException(reports.get(r).problem()
            + (others > 0 ? " (and " + others + " other rank(s)' files have problems too)" : ""));
      }
    }
    for (Report r : reports) {
      if (r.step() != reports.get(0).step()) {
        StringBuilder steps = new StringBuilder();
        for (int i = 0; i < reports.size(); i++) {
          steps.append(i == 0 ? "" : ", ").append(fileOf(base, i).getFileName()).append(" at step ").append(reports.get(i).step());
        }
        throw new IllegalArgumentException("--resume " + base + ": the ranks' checkpoints are from different saves ("
            + steps + "); the job stopped between two ranks' writes, so there is no common state to resume from");
      }
    }
    replicas.gossip().restoreCounters(Long.parseLong(state.progress().getOrDefault(GOSSIP_ROUNDS, "0")),
        Long.parseLong(state.progress().getOrDefault(GOSSIP_PAYLOAD_BYTES, "0")));
    return state;
  }

  /** Reads rank {@code rank}'s file and checks that it is that rank's file of a run like this one. */
  private static Checkpoints.State loadOwn(Path base, Decentralized.Settings s, int replicas, int rank) {
    Path file = fileOf(base, rank);
    if (!Files.exists(file)) {
      if (RANK_FILE.matcher(base.getFileName().toString()).matches()) {
        throw new IllegalArgumentException("--resume " + base + ": give the checkpoint path without the rank ("
            + "each rank reads its own FILE-rank<r>), not one rank's file");
      }
      if (Files.exists(base)) {
        throw new IllegalArgumentException("--resume " + base + ": checkpoint of a synchronous run (no " + file.getFileName()
            + "); resume it without --sync decentralized");
      }
      throw new IllegalArgumentException(file + ": checkpoint of rank " + rank + " does not exist (a --sync decentralized "
          + "run of " + replicas + " processes writes " + fileOf(base, 0).getFileName() + " … "
          + fileOf(base, replicas - 1).getFileName() + ")");
    }
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

  /** What one rank found in its file: the step it holds (−1 if unreadable) and its problem, if any. */
  private record Report(long step, String problem) {}

  /** Allgathers every rank's report (as doubles: step, message length, message characters). */
  private static List<Report> exchange(Communicator comm, Report mine) {
    if (comm == null) {
      return List.of(mine);
    }
    int slot = 2 + MESSAGE_CHARS;
    String text = mine.problem() == null ? "" : mine.problem();
    if (text.length() > MESSAGE_CHARS) {
      text = text.substring(0, MESSAGE_CHARS - 1) + "…";
    }
    DoubleBuffer out = DoubleBuffer.allocate(slot);
    out.put(mine.step()).put(mine.problem() == null ? -1 : text.length());
    for (int i = 0; i < MESSAGE_CHARS; i++) {
      out.put(i < text.length() ? text.charAt(i) : 0);
    }
    out.flip();
    DoubleBuffer all = DoubleBuffer.allocate(slot * comm.size());
    comm.allgather(out, all);
    List<Report> reports = new ArrayList<>();
    for (int r = 0; r < comm.size(); r++) {
      int at = r * slot;
      int length = (int) all.get(at + 1);
      char[] chars = new char[Math.max(length, 0)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = (char) all.get(at + 2 + i);
      }
      reports.add(new Report((long) all.get(at), length < 0 ? null : new String(chars)));
    }
    return reports;
  }
}
