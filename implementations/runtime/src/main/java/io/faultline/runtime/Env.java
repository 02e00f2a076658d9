package io.faultline.runtime;

/**
 * Everything a component may use from the outside world. Components never touch threads, sockets,
 * files or the system clock directly, so the same code runs on real machines and in the
 * deterministic simulation ({@link SimWorld}).
 *
 * <p>Threading contract: every callback (timers, messages, fsync completions) runs on one event thread
 * per node, so components need no locks.
 *
 * @param <M> the transport's message type
 */
public interface Env<M> {
  String nodeName();

  Clock clock();

  Timers timers();

  Transport<M> transport();

  Storage storage();

  Random random();
}
