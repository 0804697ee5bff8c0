/** A model's watermark: read, set, remove, its PNG logo, and a still preview (core/watermark.ts has the rules). */
import { Type, type Static } from '@sinclair/typebox';
import { watermarkPositions } from '../../core/types.js';
import { watermarkDefaults, watermarkKinds, watermarkLimits } from '../../core/watermark.js';
import { Nullable, StringEnum } from './common.js';

const { sizeMin, sizeMax, opacityMin, opacityMax, textMaxLength } = watermarkLimits;

export const WatermarkPosition = StringEnum(watermarkPositions, { description: 'where it sits; corners keep a margin of 3 % of the width' });
const Size = Type.Number({ minimum: sizeMin, maximum: sizeMax, description: `logo width, or text height, as a share of the video's width (${sizeMin}..${sizeMax})` });
const Opacity = Type.Number({ minimum: opacityMin, maximum: opacityMax, description: `${opacityMin}..${opacityMax}` });

export const WatermarkView = Type.Object(
  {
    kind: StringEnum(['none', ...watermarkKinds] as const, { description: '`none`: her variants carry no watermark' }),
    text: Nullable(Type.String({ description: 'kind `text`: what is written' })),
    position: WatermarkPosition,
    size: Type.Number({ description: `share of the video's width (the default ${watermarkDefaults.size} when none is set)` }),
    opacity: Type.Number(),
    hasLogo: Type.Boolean({ description: 'a PNG logo is stored (kind `logo` uses it); the file itself is never served' }),
    logoSha256: Nullable(Type.String()),
  },
  { description: 'A model\'s watermark, burned into each of her platform variants (the originals stay untouched)' },
);
export type WatermarkView = Static<typeof WatermarkView>;

export const WatermarkBody = Type.Object(
  {
    kind: StringEnum(watermarkKinds, { description: '`logo` needs a stored logo (PUT …/watermark/logo first)' }),
    text: Type.Optional(Type.String({ maxLength: 200, description: `kind \`text\`: one line, at most ${textMaxLength} characters once trimmed` })),
    position: WatermarkPosition,
    size: Size,
    opacity: Opacity,
  },
  { additionalProperties: false },
);
export type WatermarkBody = Static<typeof WatermarkBody>;

/** The logo file as the OpenAPI document shows it (the route reads the body itself). */
export const WatermarkLogoUpload = Type.Object({
  file: Type.String({ format: 'binary', description: `a PNG of at most ${watermarkLimits.logoMaxBytes / 1024 / 1024} MB and ${watermarkLimits.logoMaxSide} px a side (transparency kept)` }),
});

export const WatermarkPreviewQuery = Type.Object({
  platform: Type.Optional(Type.String({ maxLength: 200, description: 'a platform\'s name: the frame is fitted as her variant for it would be' })),
  kind: Type.Optional(StringEnum(['none', ...watermarkKinds] as const, { description: 'a draft to preview instead of the saved watermark (`none`: without any)' })),
  text: Type.Optional(Type.String({ maxLength: 200 })),
  position: Type.Optional(WatermarkPosition),
  size: Type.Optional(Type.Number()),
  opacity: Type.Optional(Type.Number()),
});
export type WatermarkPreviewQuery = Static<typeof WatermarkPreviewQuery>;
