package io.faultline.runtime;

/**
 * The {@link Env} of a node on a real machine: the machine's clock (with a settable offset and
 * rate), timers and callbacks on one {@link EventLoop}, TCP between named nodes, files in a directory.
 *
 * @param <M> the transport's message type
 */
public record RealEnv<M>(String nodeName, EventLoop loop, RealClock clock, RealTimers timers, Transport<M> transport,
    FileStorage storage, Random random) implements Env<M> {}
