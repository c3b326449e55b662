import Foundation

/// Builds the MIME tree (RFC 2045–2049) from raw bytes.
///
/// Works on index ranges into one `[UInt8]`; bodies are copied out once, when transfer-decoded.
/// Recursion depth is bounded by `ParseOptions.maxDepth` and the number of parts by `maxParts`, so
/// hostile nesting cannot exhaust the stack or memory.
struct MIMEParser {
    let bytes: [UInt8]
    let options: ParseOptions
    var defects: [Defect] = []
    var partCount = 0
    var partsCapped = false

    init(bytes: [UInt8], options: ParseOptions) {
        self.bytes = bytes
        self.options = options
    }

    /// Parses the entity (headers + body) in `range`.
    mutating func parseEntity(range: Range<Int>, depth: Int, defaultType: MediaType) -> MIMEPart {
        partCount += 1
        let h = HeaderParser.parse(bytes, range: range, maxHeaders: options.maxHeaders, defects: &defects)
        return parseBody(headers: h.headers, bodyRange: h.bodyStart..<range.upperBound, depth: depth, defaultType: defaultType)
    }

    mutating func parseBody(headers: [Header], bodyRange: Range<Int>, depth: Int, defaultType: MediaType) -> MIMEPart {
        var mediaType = defaultType
        if let ct = headers.first(named: "Content-Type") {
            if let parsed = MediaType.parse(ct.rawValue, defects: &defects) {
                mediaType = parsed
            } else {
                defects.append(.invalidContentType(String(ct.rawValue.prefix(100))))
                mediaType = .textPlain
            }
        }
        var disposition: String? = nil
        var filename: String? = nil
        if let cd = headers.first(named: "Content-Disposition") {
            let (head, params) = ParameterParser.parse(cd.rawValue, defects: &defects)
            disposition = head.isEmpty ? nil : head.lowercased()
            filename = params["filename"]
        }
        if filename == nil { filename = mediaType.parameters["name"] }
        if let f = filename, f.isEmpty { filename = nil }

        var part = MIMEPart(headers: headers, mediaType: mediaType, body: [], filename: filename, disposition: disposition)

        if mediaType.isMultipart {
            guard depth < options.maxDepth else {
                defects.append(.nestingTooDeep(limit: options.maxDepth))
                part.body = Array(bytes[bodyRange])
                return part
            }
            guard let boundary = mediaType.parameters["boundary"], !boundary.isEmpty else {
                defects.append(.missingBoundary)
                part.mediaType = .textPlain
                part.body = decodeTransfer(headers: headers, range: bodyRange)
                return part
            }
            guard let ranges = splitMultipart(bodyRange, boundary: Array(boundary.utf8)) else {
                defects.append(.startBoundaryNotFound)
                part.mediaType = .textPlain
                part.body = decodeTransfer(headers: headers, range: bodyRange)
                return part
            }
            let childDefault: MediaType = mediaType.subtype == "digest" ? .messageRFC822 : .textPlain
            for r in ranges {
                if partCount >= options.maxParts {
                    if !partsCapped { defects.append(.tooManyParts(limit: options.maxParts)); partsCapped = true }
                    break
                }
                part.parts.append(parseEntity(range: r, depth: depth + 1, defaultType: childDefault))
            }
            return part
        }

        if options.defersFileBodies, mediaType.type != "text", mediaType.type != "message",
           let deferred = deferredTransfer(headers: headers, range: bodyRange) {
            part.storage = deferred
            return part
        }
        part.body = decodeTransfer(headers: headers, range: bodyRange)
        if mediaType.type == "message" && (mediaType.subtype == "rfc822" || mediaType.subtype == "global") {
            guard depth < options.maxDepth else {
                defects.append(.nestingTooDeep(limit: options.maxDepth))
                return part
            }
            // The inner message is parsed from its own (decoded) bytes so that ranges stay valid.
            var inner = MIMEParser(bytes: part.body, options: options)
            inner.partCount = partCount
            let root = inner.parseEntity(range: 0..<part.body.count, depth: depth + 1, defaultType: .textPlain)
            partCount = inner.partCount
            defects.append(contentsOf: inner.defects)
            part.encapsulated = Message(root: root, defects: [])
        }
        return part
    }

    /// Removes the Content-Transfer-Encoding of the body bytes in `range`.
    mutating func decodeTransfer(headers: [Header], range: Range<Int>) -> [UInt8] {
        let (encoding, misspelled) = TransferEncoding.from(header: headers.first(named: "Content-Transfer-Encoding")?.value)
        if misspelled, let v = headers.first(named: "Content-Transfer-Encoding")?.value {
            defects.append(.misspelledTransferEncoding(String(v.prefix(50))))
        }
        switch encoding {
        case .identity:
            return Array(bytes[range])
        case .base64:
            let (out, valid) = TransferEncoding.decodeBase64(bytes[range])
            if !valid { defects.append(.invalidBase64) }
            return out
        case .quotedPrintable:
            let (out, valid) = TransferEncoding.decodeQuotedPrintable(bytes[range])
            if !valid { defects.append(.invalidQuotedPrintable) }
            return out
        case .unknown(let name):
            defects.append(.unknownTransferEncoding(String(name.prefix(50))))
            return Array(bytes[range])
        }
    }

    /// The body in `range` left encoded, with its decoded length and defects worked out as
    /// `decodeTransfer` would; nil for encodings that are decoded at once (quoted-printable is
    /// rare in files and has no cheap count).
    mutating func deferredTransfer(headers: [Header], range: Range<Int>) -> BodyStorage? {
        let (encoding, misspelled) = TransferEncoding.from(header: headers.first(named: "Content-Transfer-Encoding")?.value)
        switch encoding {
        case .quotedPrintable, .unknown: return nil
        case .identity, .base64: break
        }
        if misspelled, let v = headers.first(named: "Content-Transfer-Encoding")?.value {
            defects.append(.misspelledTransferEncoding(String(v.prefix(50))))
        }
        guard encoding == .base64 else { return .deferred(encoded: bytes[range], isBase64: false, count: range.count) }
        let (count, valid) = TransferEncoding.decodedBase64Count(bytes[range])
        if !valid { defects.append(.invalidBase64) }
        return .deferred(encoded: bytes[range], isBase64: true, count: count)
    }

    /// Splits a multipart body into the ranges of its body parts, or nil when the boundary never
    /// appears. The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1). A missing
    /// close delimiter ends the last part at the end of the body (defect).
    mutating func splitMultipart(_ range: Range<Int>, boundary: [UInt8]) -> [Range<Int>]? {
        var ranges: [Range<Int>] = []
        var partStart: Int? = nil
        var closed = false
        let end = range.upperBound
        let delimiter: [UInt8] = [45, 45] + boundary
        let dl = delimiter.count
        bytes.withUnsafeBufferPointer { buf in
            delimiter.withUnsafeBufferPointer { del in
                guard let base = buf.baseAddress else { return }
                var pos = range.lowerBound
                // memchr for "-" jumps over base64 attachment bodies (which contain no "-") far faster
                // than a line-by-line scan; memcmp then checks the whole delimiter.
                while pos < end, end - pos >= dl,
                      let hit = memchr(base + pos, 45, end - pos) {
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    guard end - at >= dl, memcmp(base + at, del.baseAddress!, dl) == 0 else { pos = at + 1; continue }
                    // A delimiter must start a line.
                    guard at == range.lowerBound || buf[at - 1] == 10 else { pos = at + 1; continue }
                    var lineEnd = at + dl
                    while lineEnd < end && buf[lineEnd] != 10 { lineEnd += 1 }
                    let next = lineEnd < end ? lineEnd + 1 : end
                    var p = at + dl
                    var isClose = false
                    if p + 1 < end && buf[p] == 45 && buf[p + 1] == 45 { isClose = true; p += 2 }
                    // Only whitespace may follow on the delimiter line.
                    var q = p
                    while q < lineEnd && (buf[q] == 32 || buf[q] == 9 || buf[q] == 13) { q += 1 }
                    guard q == lineEnd else { pos = at + 1; continue }
                    // The part before ends at the line break preceding this line.
                    if let s = partStart {
                        var e = at
                        if e > s && buf[e - 1] == 10 { e -= 1 }
                        if e > s && buf[e - 1] == 13 { e -= 1 }
                        ranges.append(s..<max(s, e))
                    }
                    if isClose { closed = true; partStart = nil; break }
                    partStart = next
                    pos = next
                }
            }
        }
        if ranges.isEmpty && partStart == nil && !closed { return nil }
        if let s = partStart {
            defects.append(.closeBoundaryNotFound)
            ranges.append(s..<end)
        }
        return ranges
    }
}
