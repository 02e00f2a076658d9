package io.faultline.raft;

import io.faultline.raft.mvcc.TxnEntry;

/** A client's transaction for the leader's log; answered OK with its {@link io.faultline.raft.mvcc.TxnResult} once applied. */
public record TxnRequest(long requestId, TxnEntry entry) implements Wire {}
