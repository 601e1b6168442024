#!/usr/bin/env bash
# Build the PEP Portal's GOV.UK Frontend assets into static/govuk/.
#
# Usage (from the repository root):  bash pep_portal/frontend/build.sh
#
# The output in static/govuk/ is committed (CI and production have no npm).
set -euo pipefail

FRONTEND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$FRONTEND_DIR/../.." && pwd)"
OUT_DIR="$REPO_ROOT/static/govuk"

cd "$FRONTEND_DIR"

# Install the exact versions from package-lock.json into ./node_modules.
# No package install scripts are needed (sass is pure JS).
npm ci --ignore-scripts --no-audit --no-fund

PKG_DIST="$FRONTEND_DIR/node_modules/govuk-frontend/dist/govuk"
GOVUK_VERSION="$(node -p "require('./node_modules/govuk-frontend/package.json').version")"
SASS_VERSION="$(node -p "require('./node_modules/sass/package.json').version")"
echo "govuk-frontend ${GOVUK_VERSION}, sass ${SASS_VERSION}"

# Start from a clean output directory so removed upstream files don't linger.
rm -rf "$OUT_DIR/assets" "$OUT_DIR/govuk-frontend.min.css" "$OUT_DIR/govuk-frontend.min.js"
mkdir -p "$OUT_DIR/assets/images"

# 1. CSS: compile our entry point (compressed, no source map).
#    --quiet-deps hides deprecation warnings raised inside govuk-frontend itself;
#    @import is still the supported way to load GOV.UK Frontend 5.x.
./node_modules/.bin/sass \
  --style=compressed \
  --no-source-map \
  --load-path=node_modules \
  --quiet-deps \
  --silence-deprecation=import \
  pep_portal.scss "$OUT_DIR/govuk-frontend.min.css"

# 2. JS: the ES module bundle, with its sourceMappingURL comment removed (the
#    .map is not shipped; whitenoise's manifest storage would fail on it).
sed -E 's@//# sourceMappingURL=[^[:space:]]*@@' \
  "$PKG_DIST/govuk-frontend.min.js" > "$OUT_DIR/govuk-frontend.min.js"

# 3. Images the CSS refers to (only the crest, in a footer class the portal does not use; the
#    manifest storage needs every referenced file). NOT the favicons, app icons, opengraph image
#    or manifest: they show the GOV.UK crown, which is for GOV.UK services only. The portal's
#    own icon is static/pep_portal/favicon.svg. NOT fonts/: the portal uses Arial.
cp "$PKG_DIST/assets/images/govuk-crest.svg" "$OUT_DIR/assets/images/"

# 4. The MIT licence, which must travel with the files. The npm package does not include its
#    LICENSE.txt, so a copy is kept beside this script.
cp "$FRONTEND_DIR/govuk-frontend-LICENSE.txt" "$OUT_DIR/LICENSE.txt"

# 5. Sanity checks on the compiled CSS.
CSS="$OUT_DIR/govuk-frontend.min.css"
fail=0
if grep -q "GDS Transport" "$CSS"; then echo "ERROR: 'GDS Transport' found in CSS" >&2; fail=1; fi
if grep -q "\.woff" "$CSS"; then echo "ERROR: font files referenced in CSS" >&2; fail=1; fi
if grep -Eq "url\(['\"]?/assets/" "$CSS"; then echo "ERROR: /assets/ URL found in CSS" >&2; fail=1; fi
if grep -q "sourceMappingURL" "$OUT_DIR/govuk-frontend.min.js"; then echo "ERROR: sourceMappingURL left in JS" >&2; fail=1; fi
for name in "$OUT_DIR/assets/images/"*; do
  case "$(basename "$name")" in govuk-crest.svg) ;; *) echo "ERROR: unexpected image $name" >&2; fail=1;; esac
done
[ "$fail" -eq 0 ] || exit 1

echo "Built GOV.UK Frontend ${GOVUK_VERSION} into ${OUT_DIR}"
echo "Remember to update static/govuk/VERSION.md if the versions changed, then commit static/govuk/."
