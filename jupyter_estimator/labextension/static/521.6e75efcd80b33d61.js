"use strict";(self.rspackChunkjupyter_estimator=self.rspackChunkjupyter_estimator||[]).push([[521],{757(e,t,o){var a=o(601),r=o.n(a),n=o(314),i=(o.n(n))()(r());i.push([e.id,'.uplot, .uplot *, .uplot *::before, .uplot *::after {box-sizing: border-box;}.uplot {font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol", "Noto Color Emoji";line-height: 1.5;width: min-content;}.u-title {text-align: center;font-size: 18px;font-weight: bold;}.u-wrap {position: relative;user-select: none;}.u-over, .u-under {position: absolute;}.u-under {overflow: hidden;}.uplot canvas {display: block;position: relative;width: 100%;height: 100%;}.u-axis {position: absolute;}.u-legend {font-size: 14px;margin: auto;text-align: center;}.u-inline {display: block;}.u-inline * {display: inline-block;}.u-inline tr {margin-right: 16px;}.u-legend th {font-weight: 600;}.u-legend th > * {vertical-align: middle;display: inline-block;}.u-legend .u-marker {width: 1em;height: 1em;margin-right: 4px;background-clip: padding-box !important;}.u-inline.u-live th::after {content: ":";vertical-align: middle;}.u-inline:not(.u-live) .u-value {display: none;}.u-series > * {padding: 4px;}.u-series th {cursor: pointer;}.u-legend .u-off > * {opacity: 0.3;}.u-select {background: rgba(0,0,0,0.07);position: absolute;pointer-events: none;}.u-cursor-x, .u-cursor-y {position: absolute;left: 0;top: 0;pointer-events: none;will-change: transform;}.u-hz .u-cursor-x, .u-vt .u-cursor-y {height: 100%;border-right: 1px dashed #607D8B;}.u-hz .u-cursor-y, .u-vt .u-cursor-x {width: 100%;border-bottom: 1px dashed #607D8B;}.u-cursor-pt {position: absolute;top: 0;left: 0;border-radius: 50%;border: 0 solid;pointer-events: none;will-change: transform;/*this has to be !important since we set inline "background" shorthand */background-clip: padding-box !important;}.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off {display: none;}',""]),o.d(t,{},{A:i})},646(e,t,o){var a=o(601),r=o.n(a),n=o(314),i=(o.n(n))()(r());i.push([e.id,`.jest-lab-browser { display: flex; flex-direction: column; font-size: var(--jp-ui-font-size1); background: var(--jp-layout-color1); }
.jest-lab-header { padding: 6px 8px; }
.jest-lab-count { color: var(--jp-ui-font-color2); }
.jest-lab-filters { display: flex; flex-wrap: wrap; gap: 4px; padding: 0 8px 6px; }
.jest-lab-search { flex: 1 1 120px; min-width: 80px; }
.jest-lab-experiment, .jest-lab-status-filter { flex: 0 1 auto; min-width: 0; max-width: 100%; }
.jest-lab-message { padding: 8px; color: var(--jp-ui-font-color1); }
.jest-lab-viewport { position: relative; flex: 1 1 auto; overflow-y: auto; }
.jest-lab-spacer { width: 1px; }
.jest-lab-items { position: absolute; top: 0; left: 0; right: 0; user-select: none; -webkit-user-select: none; }
.jest-lab-run-row { position: absolute; left: 0; right: 0; height: 52px; box-sizing: border-box; display: flex; gap: 6px; align-items: center; padding: 3px 8px; border-bottom: 1px solid var(--jp-border-color3); cursor: pointer; overflow: hidden; }
.jest-lab-placeholder { color: var(--jp-ui-font-color2); }
.jest-lab-empty { padding: 16px 8px; color: var(--jp-ui-font-color2); text-align: center; }
.jest-lab-run-row:hover { background: var(--jp-layout-color2); }
.jest-lab-selected { background: var(--jp-brand-color3, #cfe3ff) !important; }
.jest-lab-run-main { flex: 1 1 auto; min-width: 0; line-height: 15px; }
.jest-lab-run-name { display: flex; min-width: 0; font-weight: 600; white-space: nowrap; }
.jest-lab-run-name-head { flex: 0 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.jest-lab-run-id-tail { flex: 0 0 auto; }
.jest-lab-run-named .jest-lab-run-id-tail { padding-left: 6px; font-family: var(--jp-code-font-family); font-weight: normal; font-size: var(--jp-ui-font-size0); color: var(--jp-ui-font-color2); align-self: center; }
.jest-lab-run-sub { color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.jest-lab-dot { flex: 0 0 10px; height: 10px; border-radius: 50%; background: #bbb; }
/* statuses by tone (toneClass in src/shared/status.ts, which the notebook widget's badge uses too) */
.jest-lab-dot.jest-tone-active { background: #2f7ed8; }
.jest-lab-dot.jest-tone-waiting { background: #9aa; }
.jest-lab-dot.jest-tone-completed { background: #2ca02c; }
.jest-lab-dot.jest-tone-failed { background: #d62728; }
.jest-lab-dot.jest-tone-canceled { background: #c9a227; }
.jest-lab-run-view, .jest-lab-tensorboard { overflow: auto; padding: 8px 12px; font-size: var(--jp-ui-font-size1); }
.jest-lab-view-header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding-bottom: 6px; }
.jest-lab-view-runs { flex: 1 1 auto; min-width: 0; }
.jest-lab-view-run { display: inline-block; margin-right: 12px; }
.jest-lab-actions { display: flex; gap: 6px; }
.jest-lab-action { padding: 2px 10px; border: 1px solid var(--jp-border-color1); border-radius: 3px; background: var(--jp-layout-color2); color: var(--jp-ui-font-color1); cursor: pointer; }
.jest-lab-action:hover:not(:disabled) { background: var(--jp-layout-color3); }
.jest-lab-action:disabled { opacity: 0.5; cursor: default; }
.jest-lab-key { color: var(--jp-ui-font-color2); white-space: nowrap; }
.jest-lab-system { margin-top: 4px; }
.jest-lab-system > summary { cursor: pointer; color: var(--jp-ui-font-color2); }
.jest-lab-compare { border-collapse: collapse; }
.jest-lab-compare th, .jest-lab-compare td { border-bottom: 1px solid var(--jp-border-color3); }
.jest-lab-compare th.jest-lab-final { font-style: italic; }
.jest-lab-differs { font-weight: 600; }
.jest-lab-badge { padding: 1px 8px; border-radius: 10px; background: #ddd; font-weight: 600; }
.jest-lab-badge.jest-tone-active { background: #cfe3ff; }
.jest-lab-badge.jest-tone-completed { background: #cdeccd; }
.jest-lab-badge.jest-tone-failed { background: #f7c9c9; }
.jest-lab-badge.jest-tone-canceled { background: #eee1c4; }
.jest-lab-table td, .jest-lab-table th { padding: 1px 8px; text-align: left; vertical-align: top; }
.jest-lab-charts { display: flex; flex-wrap: wrap; gap: 10px; }
.jest-lab-metric { border: 1px solid var(--jp-border-color2); padding: 4px; min-width: 120px; }
.jest-lab-metric-name { font-weight: 600; padding-bottom: 2px; }
.jest-lab-metric-summary { color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); font-variant-numeric: tabular-nums; padding-bottom: 2px; max-width: 380px; overflow-wrap: anywhere; }
.jest-lab-metric-summary:empty { display: none; }
.jest-lab-metric-summary-row { display: flex; align-items: center; gap: 6px; }
.jest-lab-chart-placeholder { width: 380px; height: 200px; }
.jest-lab-metric-value { display: block; font-size: 20px; padding: 8px 4px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; max-width: 380px; }
.jest-lab-metric-value-row { display: flex; align-items: center; gap: 6px; }
.jest-lab-metric-value-row .jest-lab-metric-value { font-size: 16px; padding: 2px 0; }
.jest-lab-chart { position: relative; }
.jest-lab-chart .uplot { font-family: var(--jp-ui-font-family); }
.jest-lab-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 4px 0 8px; }
.jest-lab-legend-item { display: inline-flex; align-items: center; gap: 4px; }
.jest-lab-swatch { display: inline-block; flex: 0 0 auto; width: 10px; height: 10px; border-radius: 2px; }
.jest-lab-tooltip { display: none; position: absolute; left: 0; top: 0; z-index: 10; pointer-events: none; padding: 3px 6px; border: 1px solid var(--jp-border-color1); border-radius: 3px; background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); font-size: var(--jp-ui-font-size0); white-space: nowrap; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2); }
.jest-lab-tooltip-step { color: var(--jp-ui-font-color2); }
.jest-lab-tooltip-row { display: flex; align-items: center; gap: 4px; }
.jest-lab-tooltip-label { max-width: 220px; overflow: hidden; text-overflow: ellipsis; }
.jest-lab-tooltip-value { font-variant-numeric: tabular-nums; font-weight: 600; }
.jest-lab-log-select { margin-left: 6px; font-weight: normal; }
.jest-lab-log { max-height: 320px; overflow: auto; background: var(--jp-layout-color2); padding: 6px; }
.jest-lab-files a { color: var(--jp-content-link-color); text-decoration: underline; }
.jest-lab-tensorboard { display: flex; flex-direction: column; padding: 0; }
.jest-lab-tensorboard-frame { flex: 1 1 auto; width: 100%; height: 100%; border: 0; }
.jest-lab-none { color: var(--jp-ui-font-color2); }
.jest-lab-error { color: var(--jp-error-color1); }
.jest-lab-note { padding: 4px 8px; color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); }
`,""]),o.d(t,{},{A:i})},314(e){e.exports=function(e){var t=[];return t.toString=function(){return this.map(function(t){var o="",a=void 0!==t[5];return t[4]&&(o+="@supports (".concat(t[4],") {")),t[2]&&(o+="@media ".concat(t[2]," {")),a&&(o+="@layer".concat(t[5].length>0?" ".concat(t[5]):""," {")),o+=e(t),a&&(o+="}"),t[2]&&(o+="}"),t[4]&&(o+="}"),o}).join("")},t.i=function(e,o,a,r,n){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(a)for(var l=0;l<this.length;l++){var s=this[l][0];null!=s&&(i[s]=!0)}for(var p=0;p<e.length;p++){var d=[].concat(e[p]);a&&i[d[0]]||(void 0!==n&&(void 0===d[5]||(d[1]="@layer".concat(d[5].length>0?" ".concat(d[5]):""," {").concat(d[1],"}")),d[5]=n),o&&(d[2]&&(d[1]="@media ".concat(d[2]," {").concat(d[1],"}")),d[2]=o),r&&(d[4]?(d[1]="@supports (".concat(d[4],") {").concat(d[1],"}"),d[4]=r):d[4]="".concat(r)),t.push(d))}},t}},601(e){e.exports=function(e){return e[1]}},72(e){var t=[];function o(e){for(var o=-1,a=0;a<t.length;a++)if(t[a].identifier===e){o=a;break}return o}function a(e,a){for(var r={},n=[],i=0;i<e.length;i++){var l=e[i],s=a.base?l[0]+a.base:l[0],p=r[s]||0,d="".concat(s," ").concat(p);r[s]=p+1;var c=o(d),u={css:l[1],media:l[2],sourceMap:l[3],supports:l[4],layer:l[5]};if(-1!==c)t[c].references++,t[c].updater(u);else{var b=function(e,t){var o=t.domAPI(t);return o.update(e),function(t){t?(t.css!==e.css||t.media!==e.media||t.sourceMap!==e.sourceMap||t.supports!==e.supports||t.layer!==e.layer)&&o.update(e=t):o.remove()}}(u,a);a.byIndex=i,t.splice(i,0,{identifier:d,updater:b,references:1})}n.push(d)}return n}e.exports=function(e,r){var n=a(e=e||[],r=r||{});return function(e){e=e||[];for(var i=0;i<n.length;i++){var l=o(n[i]);t[l].references--}for(var s=a(e,r),p=0;p<n.length;p++){var d=o(n[p]);0===t[d].references&&(t[d].updater(),t.splice(d,1))}n=s}}},659(e){var t={};e.exports=function(e,o){var a=function(e){if(void 0===t[e]){var o=document.querySelector(e);if(window.HTMLIFrameElement&&o instanceof window.HTMLIFrameElement)try{o=o.contentDocument.head}catch(e){o=null}t[e]=o}return t[e]}(e);if(!a)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");a.appendChild(o)}},540(e){e.exports=function(e){var t=document.createElement("style");return e.setAttributes(t,e.attributes),e.insert(t,e.options),t}},56(e,t,o){e.exports=function(e){var t=o.nc;t&&e.setAttribute("nonce",t)}},206(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var t=e.insertStyleElement(e);return{update:function(o){var a,r,n;a="",o.supports&&(a+="@supports (".concat(o.supports,") {")),o.media&&(a+="@media ".concat(o.media," {")),(r=void 0!==o.layer)&&(a+="@layer".concat(o.layer.length>0?" ".concat(o.layer):""," {")),a+=o.css,r&&(a+="}"),o.media&&(a+="}"),o.supports&&(a+="}"),(n=o.sourceMap)&&"u">typeof btoa&&(a+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(n))))," */")),e.styleTagTransform(a,t,e.options)},remove:function(){var e;null===(e=t).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,t){if(t.styleSheet)t.styleSheet.cssText=e;else{for(;t.firstChild;)t.removeChild(t.firstChild);t.appendChild(document.createTextNode(e))}}},376(e,t,o){var a=o(72),r=o.n(a),n=o(206),i=o.n(n),l=o(659),s=o.n(l),p=o(56),d=o.n(p),c=o(540),u=o.n(c),b=o(113),f=o.n(b),x=o(757),g={};g.styleTagTransform=f(),g.setAttributes=d(),g.insert=s().bind(null,"head"),g.domAPI=i(),g.insertStyleElement=u(),r()(x.A,g),x.A&&x.A.locals&&x.A.locals;var m=o(646),h={};h.styleTagTransform=f(),h.setAttributes=d(),h.insert=s().bind(null,"head"),h.domAPI=i(),h.insertStyleElement=u(),r()(m.A,h),m.A&&m.A.locals&&m.A.locals}}]);