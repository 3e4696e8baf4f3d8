import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Location } from '../config/s3-location.js';

/** A client for the bucket at `location`; `options` add to (or override) what every Shoebox client sets. */
export const s3ClientFor = (location: S3Location, options: S3ClientConfig = {}): S3Client =>
  new S3Client({
    region: location.region,
    endpoint: location.endpoint,
    forcePathStyle: location.forcePathStyle,
    // A copy: the SDK marks the credentials object it is given.
    credentials: location.credentials && { ...location.credentials },
    // Checksums only where S3 requires them: presigned PUTs must not demand a checksum the
    // device cannot know, and not every S3-compatible store knows the flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...options,
  });
