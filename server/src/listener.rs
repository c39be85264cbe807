//! The server's TCP listener, which turns Nagle's algorithm off on every
//! connection it accepts (`TCP_NODELAY`). A response written in two parts
//! (hyper writes the head, then `ServeDir` streams a portal file's body)
//! otherwise holds its small second part until the peer acknowledges the
//! first, and peers delay that acknowledgement once a connection has been
//! in use for a while: on Linux about 40 ms. Measured with `curl` over one
//! kept-alive connection, one portal file in four waited that long.

use axum::serve::Listener;
use std::io;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

/// A [`TcpListener`] whose accepted connections send each write at once.
#[derive(Debug)]
pub struct NoDelayListener(TcpListener);

impl NoDelayListener {
    /// Binds `addr`, as [`TcpListener::bind`] does.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        TcpListener::bind(addr).await.map(Self)
    }
}

impl Listener for NoDelayListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        // axum's own accept loop: it waits out errors such as too many
        // open files rather than returning them.
        let (stream, peer) = Listener::accept(&mut self.0).await;
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%peer, %error, "could not turn Nagle's algorithm off on a connection");
        }
        (stream, peer)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let mut listener = NoDelayListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let client = TcpStream::connect(addr);
        let ((accepted, peer), client) = tokio::join!(listener.accept(), client);
        let client = client.expect("connect");
        assert_eq!(peer, client.local_addr().expect("client addr"));
        assert!(accepted.nodelay().expect("read TCP_NODELAY"), "the accepted connection must have TCP_NODELAY");
        // The plain listener leaves it off: what the test above would see
        // without this module.
        let mut plain = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let client = TcpStream::connect(plain.local_addr().expect("local addr"));
        let ((accepted, _), _client) = tokio::join!(Listener::accept(&mut plain), client);
        assert!(!accepted.nodelay().expect("read TCP_NODELAY"));
    }
}
