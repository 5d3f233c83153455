import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File descriptors passed over a unix stream socket (`SCM_RIGHTS`): how `mcpmesh connect`
/// hands its stdin and stdout to the agent with its request line.
///
/// The sender attaches the descriptors to the request line's bytes in one `sendmsg`; the
/// receiver reads the line with `recvmsg` (`MSG_CMSG_CLOEXEC`), so the descriptors arrive
/// close-on-exec with the bytes they were sent with. Whoever holds received descriptors
/// closes them on every path that does not use them.
public enum DescriptorPassing {
    /// How many descriptors a request may bring: the client's stdin and stdout.
    public static let maxDescriptors = 2
    /// Room for more descriptors than accepted, so that too many arrive (and are closed)
    /// rather than being cut off by the kernel.
    static let controlRoom = 8

    private static func align(_ n: Int) -> Int {
        let a = MemoryLayout<Int>.size
        return (n + a - 1) & ~(a - 1)
    }
    private static var headerSpace: Int { align(MemoryLayout<cmsghdr>.size) }
    private static func space(_ count: Int) -> Int { headerSpace + align(count * MemoryLayout<Int32>.size) }

    /// Sends `bytes` on `socket` with `descriptors` attached to them; false when nothing
    /// could be sent (the caller may then send the bytes some other way).
    public static func send(_ bytes: [UInt8], descriptors: [Int32], on socket: Int32) -> Bool {
        guard !bytes.isEmpty, !descriptors.isEmpty else { return false }
        let controlLength = space(descriptors.count)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: controlLength, alignment: MemoryLayout<cmsghdr>.alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0)
        let header = control.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
        header.pointee.cmsg_len = headerSpace + descriptors.count * MemoryLayout<Int32>.size
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = Int32(SCM_RIGHTS)
        let data = control.baseAddress! + headerSpace
        for (i, fd) in descriptors.enumerated() {
            data.storeBytes(of: fd, toByteOffset: i * MemoryLayout<Int32>.size, as: Int32.self)
        }
        var sent = 0
        var payload = bytes
        let n = payload.withUnsafeMutableBytes { raw -> Int in
            var iov = iovec(iov_base: raw.baseAddress, iov_len: raw.count)
            return withUnsafeMutablePointer(to: &iov) { iovPointer in
                var message = msghdr()
                message.msg_iov = iovPointer
                message.msg_iovlen = 1
                message.msg_control = control.baseAddress
                message.msg_controllen = controlLength
                while true {
                    let n = sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                    if n < 0, errno == EINTR { continue }
                    return n
                }
            }
        }
        guard n > 0 else { return false }
        sent = n
        // The descriptors went with the first bytes; the rest (a long line) follows plainly.
        while sent < bytes.count {
            let w = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if w < 0, errno == EINTR { continue }
            if w <= 0 { return true }
            sent += w
        }
        return true
    }

    /// A request line read from a local socket, with the descriptors that came with it.
    public struct Line: Sendable {
        public var line: [UInt8]
        /// What was read after the newline.
        public var rest: [UInt8]
        /// Received descriptors (close-on-exec), owned by the caller.
        public var descriptors: [Int32]
        /// The kernel cut the control data short (`MSG_CTRUNC`): some descriptors were lost.
        public var truncated: Bool
    }

    /// Reads from `socket` (blocking) up to and including the first newline, collecting the
    /// descriptors sent with those bytes. Nil when the peer closes or fails first or the line
    /// is longer than `limit`; any descriptors received are then closed.
    public static func readLine(from socket: Int32, limit: Int = 65536) -> Line? {
        var buffer: [UInt8] = []
        var descriptors: [Int32] = []
        var truncated = false
        let controlLength = space(controlRoom)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: controlLength, alignment: MemoryLayout<cmsghdr>.alignment)
        defer { control.deallocate() }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while buffer.firstIndex(of: 0x0a) == nil {
            guard buffer.count <= limit else {
                closeAll(descriptors)
                return nil
            }
            control.initializeMemory(as: UInt8.self, repeating: 0)
            var flags: Int32 = 0
            var controlUsed = 0
            let n = chunk.withUnsafeMutableBytes { raw -> Int in
                var iov = iovec(iov_base: raw.baseAddress, iov_len: raw.count)
                return withUnsafeMutablePointer(to: &iov) { iovPointer in
                    var message = msghdr()
                    message.msg_iov = iovPointer
                    message.msg_iovlen = 1
                    message.msg_control = control.baseAddress
                    message.msg_controllen = controlLength
                    while true {
                        let n = recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC))
                        if n < 0, errno == EINTR { continue }
                        flags = message.msg_flags
                        controlUsed = Int(message.msg_controllen)
                        return n
                    }
                }
            }
            if n >= 0 {
                descriptors += parseRights(control, length: controlUsed)
                if flags & Int32(MSG_CTRUNC) != 0 { truncated = true }
            }
            guard n > 0 else {
                closeAll(descriptors)
                return nil
            }
            buffer += chunk[0..<n]
        }
        let nl = buffer.firstIndex(of: 0x0a)!
        return Line(line: Array(buffer[..<nl]), rest: Array(buffer[(nl + 1)...]), descriptors: descriptors, truncated: truncated)
    }

    /// The descriptors in the `SCM_RIGHTS` messages of a received control buffer.
    private static func parseRights(_ control: UnsafeMutableRawBufferPointer, length: Int) -> [Int32] {
        var out: [Int32] = []
        var offset = 0
        let length = min(length, control.count)
        while offset + headerSpace <= length {
            let header = (control.baseAddress! + offset).assumingMemoryBound(to: cmsghdr.self).pointee
            let messageLength = Int(header.cmsg_len)
            guard messageLength >= headerSpace, offset + messageLength <= length else { break }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) {
                let count = (messageLength - headerSpace) / MemoryLayout<Int32>.size
                for i in 0..<count {
                    out.append((control.baseAddress! + offset + headerSpace).loadUnaligned(fromByteOffset: i * MemoryLayout<Int32>.size, as: Int32.self))
                }
            }
            offset += align(messageLength)
        }
        return out
    }

    /// The client's stdin (to read) and stdout (to write) from the descriptors of a
    /// `"stdio":"fds"` request: exactly two, each a pipe, FIFO or socket, none lost. Otherwise
    /// every descriptor is closed and the failure says why.
    public static func clientStdio(_ descriptors: [Int32], truncated: Bool) -> Result<(input: Int32, output: Int32), Refusal> {
        func refuse(_ why: String) -> Result<(input: Int32, output: Int32), Refusal> {
            closeAll(descriptors)
            return .failure(Refusal(message: why))
        }
        if truncated { return refuse("the descriptors were cut short (more than \(controlRoom) sent)") }
        guard descriptors.count == maxDescriptors else {
            return refuse("expected \(maxDescriptors) descriptors (stdin and stdout), got \(descriptors.count)")
        }
        for fd in descriptors where !isStream(fd) {
            return refuse("descriptor \(fd == descriptors[0] ? "stdin" : "stdout") is not a pipe, FIFO or socket")
        }
        return .success((descriptors[0], descriptors[1]))
    }

    public struct Refusal: Error, Sendable { public var message: String }

    private static func isStream(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFSOCK
    }

    public static func closeAll(_ descriptors: [Int32]) {
        for fd in descriptors { _ = close(fd) }
    }
}
