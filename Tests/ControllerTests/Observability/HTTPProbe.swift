import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP GET against the server under test, over a real socket.
enum HTTPProbe {
    struct Answer {
        var status: Int
        var contentType: String?
        var body: String
    }

    static func get(port: Int, _ path: String) async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        // One connection per request: nothing idle is left for the server's shutdown to wait on.
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.timeoutInterval = 10
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Answer(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
                      body: String(decoding: data, as: UTF8.self))
    }
}
