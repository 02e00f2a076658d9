package io.faultline.raft;

/** Everything a Raft node sends or receives: peer messages and the client protocol. */
public sealed interface Wire permits Message, ClientRequest, ClientReply, TxnRequest, ReadRequest {}
