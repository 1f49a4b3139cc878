package adminapi

// MinFDsAtStart is what every labserver opens before any connection:
// stdio (3), epoll and its eventfd, both listeners, and the sock_diag
// socket that counts the listener's request sockets
// (conclab_syn_queue_length). Config.FDsAtStart is this, plus what the
// runtime and the parent process add.
const MinFDsAtStart = 8
