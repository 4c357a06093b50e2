package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bigbatch.spec.SyncSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --sync decentralized} and its flags: defaults, and one-line errors (exit 2) for what does not fit. */
class DecentralizedFlagsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--sync gossip | --sync: unknown value 'gossip'; expected one of sync, decentralized",
      "--sync decentralized --topology star | --topology: unknown value 'star'; expected one of ring, exp, full",
      "--sync decentralized --decent-method adam | --decent-method: unknown value 'adam'; expected one of decentlam, dmsgd",
      "--topology ring | --topology only applies with --sync decentralized",
      "--decent-method dmsgd | --decent-method only applies with --sync decentralized",
      "--sync decentralized --optimizer lars | --sync decentralized implements momentum SGD (DmSGD, DecentLaM); --optimizer lars is not supported",
      "--sync decentralized --train-limit 512 --resume absent.bin | absent-rank0.bin: checkpoint of rank 0 does not exist",
      "--sync decentralized --batch auto | --batch auto is not supported with --sync decentralized",
  })
  void badDecentralizedFlagsGetOneLineAndExitTwo(String flags, String expected, @TempDir Path dir) {
    assertFalse(Files.exists(TrainCommandTest.assertRejected(flags, expected, dir)), "nothing written");
  }

  @Test
  void defaultsAreSynchronousAndDecentLamOnARing() {
    assertFalse(TrainCommand.parse().spec().sync().decentralized());
    var s = TrainCommand.parse("--sync", "decentralized").spec().sync();
    assertEquals(SyncSpec.Topology.RING, s.topologyOrDefault());
    assertEquals(SyncSpec.Method.DECENTLAM, s.methodOrDefault());
    var e = TrainCommand.parse("--sync", "decentralized", "--topology", "exp", "--decent-method", "dmsgd").spec().sync();
    assertEquals(SyncSpec.Topology.EXP, e.topologyOrDefault());
    assertEquals(SyncSpec.Method.DMSGD, e.methodOrDefault());
  }
}
