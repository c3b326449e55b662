import Foundation

/// An exclusive, non-blocking lock on a file beside the store, so two cron runs of the same
/// command never overlap. The kernel releases a flock when the process dies, even by
/// `kill -9`, so a crash can never leave a stale lock behind.
public final class RunLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `KontaktError.busy` at once.
    public init(path: String) throws(KontaktError) {
        self.path = path
        let previous = umask(0o077)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        umask(previous)
        guard fd >= 0 else {
            throw KontaktError.failed("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw KontaktError.busy("another kontakt run holds \(path); try again when it has finished")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
