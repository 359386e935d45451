@testable import KubeClient
import NIOCore
import Testing

@Suite("annotation patch bodies and Pod responses")
struct AnnotationPatchTests {
    @Test func bodiesAreSortedEscapedAndNullRemoves() {
        let body = KubernetesClient.annotationPatch(["z": "1", "a/b": "q\"\\\n\t\u{07}\u{7F}é", "gone": nil])
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"metadata":{"annotations":{"a/b":"q\"\\\n\t\u0007\u007fé","gone":null,"z":"1"}}}"#)
        #expect(String(decoding: KubernetesClient.annotationPatch([:]), as: UTF8.self) == #"{"metadata":{"annotations":{}}}"#)
    }

    @Test func aPodResponseWithTrailingBytesOrTheWrongShapeIsADecodingError() throws {
        let good = KubeResponse(code: 200, body: ByteBuffer(string: #"{"metadata":{"name":"web","uid":"u","annotations":{"k":"v"}}}"# + "\n"))
        #expect(try good.decodePod().metadata.annotations == ["k": "v"])
        for text in [#"{"metadata":{"name":"web","uid":"u"}} x"#, #"{"metadata":{"name":7,"uid":"u"}}"#, "[]", ""] {
            let response = KubeResponse(code: 200, body: ByteBuffer(string: text))
            #expect(throws: KubeAPIError.self, "\(text)") { try response.decodePod() }
        }
    }
}
