package io.faultline.runtime;

/**
 * Messages between named nodes: unreliable, unordered, at most a few copies of each (the network may
 * drop, delay, reorder and duplicate). Messages must be immutable: a duplicate may be the same object.
 *
 * @param <M> the message type
 */
public interface Transport<M> {
  /** Receives messages on the node's event thread. */
  interface Handler<M> {
    void onMessage(String from, M message);
  }

  /** This node's name. */
  String self();

  void send(String to, M message);

  /** Sets the one handler of incoming messages; messages arriving before this are dropped. */
  void setHandler(Handler<M> handler);
}
