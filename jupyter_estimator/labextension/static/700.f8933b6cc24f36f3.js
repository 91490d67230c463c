"use strict";(self.rspackChunkjupyter_estimator=self.rspackChunkjupyter_estimator||[]).push([[700],{646(e,t,a){var r=a(601),o=a.n(r),n=a(314),i=(a.n(n))()(o());i.push([e.id,`.jest-lab-browser { display: flex; flex-direction: column; font-size: var(--jp-ui-font-size1); background: var(--jp-layout-color1); }
.jest-lab-header { padding: 6px 8px; }
.jest-lab-count { color: var(--jp-ui-font-color2); }
.jest-lab-filters { display: flex; flex-wrap: wrap; gap: 4px; padding: 0 8px 6px; }
.jest-lab-search { flex: 1 1 120px; min-width: 80px; }
.jest-lab-message { padding: 8px; color: var(--jp-ui-font-color1); }
.jest-lab-viewport { position: relative; flex: 1 1 auto; overflow-y: auto; }
.jest-lab-spacer { width: 1px; }
.jest-lab-items { position: absolute; top: 0; left: 0; right: 0; }
.jest-lab-run-row { position: absolute; left: 0; right: 0; height: 46px; box-sizing: border-box; display: flex; gap: 6px; align-items: center; padding: 2px 8px; border-bottom: 1px solid var(--jp-border-color3); cursor: pointer; overflow: hidden; }
.jest-lab-run-row:hover { background: var(--jp-layout-color2); }
.jest-lab-selected { background: var(--jp-brand-color3, #cfe3ff) !important; }
.jest-lab-run-main { min-width: 0; }
.jest-lab-run-name { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.jest-lab-run-sub { color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.jest-lab-dot { flex: 0 0 10px; height: 10px; border-radius: 50%; background: #bbb; }
.jest-lab-dot-Running, .jest-lab-dot-Starting, .jest-lab-dot-Preparing { background: #2f7ed8; }
.jest-lab-dot-Queued, .jest-lab-dot-NotStarted { background: #9aa; }
.jest-lab-dot-Completed { background: #2ca02c; }
.jest-lab-dot-Failed { background: #d62728; }
.jest-lab-dot-Canceled, .jest-lab-dot-CancelRequested { background: #c9a227; }
.jest-lab-run-view, .jest-lab-tensorboard { overflow: auto; padding: 8px 12px; font-size: var(--jp-ui-font-size1); }
.jest-lab-badge { padding: 1px 8px; border-radius: 10px; background: #ddd; font-weight: 600; }
.jest-lab-badge-Running { background: #cfe3ff; }
.jest-lab-badge-Completed { background: #cdeccd; }
.jest-lab-badge-Failed { background: #f7c9c9; }
.jest-lab-badge-Canceled { background: #eee1c4; }
.jest-lab-table td, .jest-lab-table th { padding: 1px 8px; text-align: left; vertical-align: top; }
.jest-lab-charts { display: flex; flex-wrap: wrap; gap: 10px; }
.jest-lab-metric { border: 1px solid var(--jp-border-color2); padding: 4px; }
.jest-lab-chart { width: 360px; height: 180px; }
.jest-lab-axis { font-size: 9px; fill: var(--jp-ui-font-color2); }
.jest-lab-log { max-height: 320px; overflow: auto; background: var(--jp-layout-color2); padding: 6px; }
.jest-lab-files a { color: var(--jp-content-link-color); text-decoration: underline; }
.jest-lab-tensorboard { display: flex; flex-direction: column; padding: 0; }
.jest-lab-tensorboard-frame { flex: 1 1 auto; width: 100%; height: 100%; border: 0; }
.jest-lab-none { color: var(--jp-ui-font-color2); }
`,""]),a.d(t,{},{A:i})},314(e){e.exports=function(e){var t=[];return t.toString=function(){return this.map(function(t){var a="",r=void 0!==t[5];return t[4]&&(a+="@supports (".concat(t[4],") {")),t[2]&&(a+="@media ".concat(t[2]," {")),r&&(a+="@layer".concat(t[5].length>0?" ".concat(t[5]):""," {")),a+=e(t),r&&(a+="}"),t[2]&&(a+="}"),t[4]&&(a+="}"),a}).join("")},t.i=function(e,a,r,o,n){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(r)for(var s=0;s<this.length;s++){var l=this[s][0];null!=l&&(i[l]=!0)}for(var c=0;c<e.length;c++){var d=[].concat(e[c]);r&&i[d[0]]||(void 0!==n&&(void 0===d[5]||(d[1]="@layer".concat(d[5].length>0?" ".concat(d[5]):""," {").concat(d[1],"}")),d[5]=n),a&&(d[2]&&(d[1]="@media ".concat(d[2]," {").concat(d[1],"}")),d[2]=a),o&&(d[4]?(d[1]="@supports (".concat(d[4],") {").concat(d[1],"}"),d[4]=o):d[4]="".concat(o)),t.push(d))}},t}},601(e){e.exports=function(e){return e[1]}},72(e){var t=[];function a(e){for(var a=-1,r=0;r<t.length;r++)if(t[r].identifier===e){a=r;break}return a}function r(e,r){for(var o={},n=[],i=0;i<e.length;i++){var s=e[i],l=r.base?s[0]+r.base:s[0],c=o[l]||0,d="".concat(l," ").concat(c);o[l]=c+1;var p=a(d),u={css:s[1],media:s[2],sourceMap:s[3],supports:s[4],layer:s[5]};if(-1!==p)t[p].references++,t[p].updater(u);else{var f=function(e,t){var a=t.domAPI(t);return a.update(e),function(t){t?(t.css!==e.css||t.media!==e.media||t.sourceMap!==e.sourceMap||t.supports!==e.supports||t.layer!==e.layer)&&a.update(e=t):a.remove()}}(u,r);r.byIndex=i,t.splice(i,0,{identifier:d,updater:f,references:1})}n.push(d)}return n}e.exports=function(e,o){var n=r(e=e||[],o=o||{});return function(e){e=e||[];for(var i=0;i<n.length;i++){var s=a(n[i]);t[s].references--}for(var l=r(e,o),c=0;c<n.length;c++){var d=a(n[c]);0===t[d].references&&(t[d].updater(),t.splice(d,1))}n=l}}},659(e){var t={};e.exports=function(e,a){var r=function(e){if(void 0===t[e]){var a=document.querySelector(e);if(window.HTMLIFrameElement&&a instanceof window.HTMLIFrameElement)try{a=a.contentDocument.head}catch(e){a=null}t[e]=a}return t[e]}(e);if(!r)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");r.appendChild(a)}},540(e){e.exports=function(e){var t=document.createElement("style");return e.setAttributes(t,e.attributes),e.insert(t,e.options),t}},56(e,t,a){e.exports=function(e){var t=a.nc;t&&e.setAttribute("nonce",t)}},206(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var t=e.insertStyleElement(e);return{update:function(a){var r,o,n;r="",a.supports&&(r+="@supports (".concat(a.supports,") {")),a.media&&(r+="@media ".concat(a.media," {")),(o=void 0!==a.layer)&&(r+="@layer".concat(a.layer.length>0?" ".concat(a.layer):""," {")),r+=a.css,o&&(r+="}"),a.media&&(r+="}"),a.supports&&(r+="}"),(n=a.sourceMap)&&"u">typeof btoa&&(r+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(n))))," */")),e.styleTagTransform(r,t,e.options)},remove:function(){var e;null===(e=t).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,t){if(t.styleSheet)t.styleSheet.cssText=e;else{for(;t.firstChild;)t.removeChild(t.firstChild);t.appendChild(document.createTextNode(e))}}},959(e,t,a){var r=a(72),o=a.n(r),n=a(206),i=a.n(n),s=a(659),l=a.n(s),c=a(56),d=a.n(c),p=a(540),u=a.n(p),f=a(113),b=a.n(f),v=a(646),g={};g.styleTagTransform=b(),g.setAttributes=d(),g.insert=l().bind(null,"head"),g.domAPI=i(),g.insertStyleElement=u(),o()(v.A,g),v.A&&v.A.locals&&v.A.locals}}]);