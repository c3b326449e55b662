import Curl

/// An upload that reports the moment its last byte has been handed to libcurl.
///
/// When the wrapped source is exhausted, libcurl appends `CRLF.CRLF` and sends it: from then on
/// the server may accept the message whatever happens to this process. `onEnd` runs just before
/// that: when the read that completes `size` bytes returns (libcurl 7.88 stops reading once it
/// has the announced size) or, failing that, before the final 0 — so the outbox records the
/// handover first. It may fire one buffer early (the last chunk is still to be written), which
/// errs towards "probably delivered", never towards sending twice. If the process dies before `onEnd` has committed, the server cannot have seen the end
/// of the data (an SMTP server discards an unterminated DATA), and a rerun may safely send again.
final class HandoverUpload: UploadSource {
    private let inner: any UploadSource
    private let onEnd: () throws -> Void
    private var ended = false
    private var delivered: Int64 = 0

    init(_ inner: any UploadSource, onEnd: @escaping () throws -> Void) {
        self.inner = inner
        self.onEnd = onEnd
    }

    var size: Int64 { inner.size }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try inner.read(into: buffer)
        delivered += Int64(n)
        if !ended, n == 0 || delivered >= inner.size {
            ended = true
            // Throwing here aborts the transfer before the final dot: nothing is sent unrecorded.
            try onEnd()
        }
        return n
    }
}
