/* Reading QR codes and tube barcodes with the phone's camera, on any phone.
 *
 * Where the browser reads codes itself (BarcodeDetector: Chrome on Android) that is used; anywhere
 * else (iPhones, Firefox, most browsers) the vendored zxing decoder (@zxing/library 0.23.0,
 * fangkong/static/vendor/zxing/, Apache-2.0) reads each frame from a canvas. The decoder is
 * loaded only when the camera is first used: it is 360 KB (108 KB gzipped), and the keyboard and
 * USB scanners never need it.
 *
 *   Fangkong.scan.decode(image|canvas|video) -> Promise<string|null>
 *   Fangkong.scan.camera(video, onCode)      -> Promise<stop()>
 */
(function () {
  "use strict";

  var F = (window.Fangkong = window.Fangkong || {});
  var zxingLoading = null;
  var FORMATS = ["QR_CODE", "CODE_128", "CODE_39", "CODE_93", "EAN_13", "EAN_8", "ITF", "CODABAR", "DATA_MATRIX"];

  function zxingUrl() {
    var el = document.querySelector("[data-zxing-url]");
    return el ? el.getAttribute("data-zxing-url") : "";
  }

  function loadZxing() {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    if (zxingLoading) return zxingLoading;
    zxingLoading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = zxingUrl();
      script.onload = function () { resolve(window.ZXing); };
      script.onerror = function () { zxingLoading = null; reject(new Error("decoder not loaded")); };
      document.head.appendChild(script);
    });
    return zxingLoading;
  }

  var reader = null;
  function zxingReader(ZXing) {
    if (reader) return reader;
    var hints = new Map();
    hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, FORMATS.map(function (f) { return ZXing.BarcodeFormat[f]; }));
    hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
    reader = new ZXing.MultiFormatReader();
    reader.setHints(hints);
    return reader;
  }

  var canvas = null;
  function toCanvas(source) {
    var w = source.videoWidth || source.naturalWidth || source.width;
    var h = source.videoHeight || source.naturalHeight || source.height;
    if (!w || !h) return null;
    // Large frames are slow to decode on an old phone and no easier to read: at most 1280 wide.
    var scale = Math.min(1, 1280 / w);
    canvas = canvas || document.createElement("canvas");
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";  // a transparent picture (a label image) reads as white paper, not black
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function withZxing(source) {
    return loadZxing().then(function (ZXing) {
      var c = toCanvas(source);
      if (!c) return null;
      var bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(new ZXing.HTMLCanvasElementLuminanceSource(c)));
      try {
        return zxingReader(ZXing).decode(bitmap).getText();
      } catch (e) {
        return null;  // NotFoundException: no code in this frame
      } finally {
        if (reader) reader.reset();
      }
    });
  }

  var detector = null;
  function native() { return "BarcodeDetector" in window; }

  function decode(source) {
    if (native()) {
      detector = detector || new window.BarcodeDetector();
      return detector.detect(source).then(function (found) { return found.length ? found[0].rawValue : null; },
                                          function () { return withZxing(source); });
    }
    return withZxing(source);
  }

  function camera(video, onCode) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("no camera"));
    }
    var ready = native() ? Promise.resolve() : loadZxing();
    return ready.then(function () {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (stream) {
      video.srcObject = stream;
      video.setAttribute("playsinline", "");
      video.play();
      var last = "", lastAt = 0, busy = false;
      var timer = window.setInterval(function () {
        if (busy || video.readyState < 2) return;
        busy = true;
        decode(video).then(function (value) {
          busy = false;
          if (!value) return;
          var now = Date.now();
          // The same code in view for a while is one scan, not ten.
          if (value === last && now - lastAt < 2500) return;
          last = value;
          lastAt = now;
          onCode(value);
        }, function () { busy = false; });
      }, 300);
      return function stop() {
        window.clearInterval(timer);
        stream.getTracks().forEach(function (t) { t.stop(); });
        video.srcObject = null;
      };
    });
  }

  F.scan = { decode: decode, camera: camera, loadDecoder: loadZxing, hasCamera: function () {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  } };
})();
